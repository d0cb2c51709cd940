using Confluent.Kafka;
using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using static SocketAgent.Tests.Delivery.Kafka.KafkaTestKit;

namespace SocketAgent.Tests.Delivery.Kafka;

// One Kafka test class at a time: each runs librdkafka clusters and producers that load both cores.
[Collection(KafkaTestKit.Collection)]
public sealed class KafkaOutputTests
{
    private static readonly TimeSpan s_consumeTimeout = TimeSpan.FromSeconds(60);

    private static KafkaOutputOptions Options(string bootstrapServers, string topic) => new()
    {
        BootstrapServers = bootstrapServers,
        Topic = topic,
    };

    /// <summary>20,000 records: every callback Persisted, every sequence consumed in order with key and headers.</summary>
    internal static void DeliversEverySequenceInOrder(string bootstrapServers, string topic, int partitions)
    {
        const int Count = 20_000;
        var log = new DeliveryLog();
        using (var output = new KafkaOutput(Options(bootstrapServers, topic), AgentId, log.Record))
        {
            ProduceAll(output, Enumerable.Range(0, Count).Select(i => Record(i)));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(60)));
            Assert.Equal(0, output.InFlight);
        }

        Assert.Equal(Count, log.Calls);
        Assert.Equal(Count, log.Count(DeliveryOutcome.Persisted));

        List<ConsumedMessage> messages = ConsumeAll(bootstrapServers, topic, partitions, Count, s_consumeTimeout);
        Assert.Equal(Count, messages.Count);
        AssertDeliveredInOrder(messages, Enumerable.Range(0, Count).Select(i => (long)i));
    }

    [Fact]
    public void MockCluster_DeliversEverySequenceInOrder()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("events");
        cluster.CreateTopic(topic, partitions: 3);
        DeliversEverySequenceInOrder(cluster.BootstrapServers, topic, partitions: 3);
    }

    [Fact]
    public void TopicMap_RoutesByDataset()
    {
        using var cluster = new MockKafkaCluster();
        string events = UniqueTopic("events"), routes = UniqueTopic("routes");
        cluster.CreateTopic(events, 1);
        cluster.CreateTopic(routes, 1);
        KafkaOutputOptions options = Options(cluster.BootstrapServers, events);
        options.TopicsByDataset["route"] = routes;

        var log = new DeliveryLog();
        using (var output = new KafkaOutput(options, AgentId, log.Record))
        {
            ProduceAll(output, Enumerable.Range(0, 100).Select(i => Record(i, dataset: i % 4 == 0 ? "route" : "socket")));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(100, log.Count(DeliveryOutcome.Persisted));
        long[] routeSequences = Enumerable.Range(0, 100).Where(i => i % 4 == 0).Select(i => (long)i).ToArray();
        List<ConsumedMessage> onRoutes = ConsumeAll(cluster.BootstrapServers, routes, 1, routeSequences.Length, s_consumeTimeout);
        List<ConsumedMessage> onEvents = ConsumeAll(cluster.BootstrapServers, events, 1, 100 - routeSequences.Length, s_consumeTimeout);
        Assert.Equal(routeSequences, onRoutes.Select(SequenceOf));
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 4 != 0).Select(i => (long)i), onEvents.Select(SequenceOf));
    }

    [Fact]
    public void FlowTopic_GetsRecordsWithCommunityIdKeyedByIt()
    {
        using var cluster = new MockKafkaCluster();
        string events = UniqueTopic("events"), flows = UniqueTopic("flows");
        cluster.CreateTopic(events, 3);
        cluster.CreateTopic(flows, 3);
        KafkaOutputOptions options = Options(cluster.BootstrapServers, events);
        options.FlowTopic = flows;

        static string? CommunityId(int i) => i % 2 == 0 ? $"1:flow{i % 10}=" : null;
        var log = new DeliveryLog();
        using (var output = new KafkaOutput(options, AgentId, log.Record))
        {
            ProduceAll(output, Enumerable.Range(0, 200).Select(i => Record(i, communityId: CommunityId(i))));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
            Assert.Equal(100, output.FlowCopiesPersisted);
            Assert.Equal(0, output.FlowCopiesFailed);
        }

        // Only primaries reach the callback.
        Assert.Equal(200, log.Calls);
        List<ConsumedMessage> primaries = ConsumeAll(cluster.BootstrapServers, events, 3, 200, s_consumeTimeout);
        AssertDeliveredInOrder(primaries, Enumerable.Range(0, 200).Select(i => (long)i));

        List<ConsumedMessage> flowCopies = ConsumeAll(cluster.BootstrapServers, flows, 3, 100, s_consumeTimeout);
        Assert.Equal(100, flowCopies.Count);
        foreach (ConsumedMessage copy in flowCopies)
        {
            long sequence = SequenceOf(copy);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(CommunityId((int)sequence)!), copy.Key);
        }

        // One flow (one Community ID) lands in one partition.
        Assert.All(flowCopies.GroupBy(c => Convert.ToBase64String(c.Key!)), flow => Assert.Single(flow.Select(c => c.Partition).Distinct()));
    }

    [Fact]
    public void Outage_LongerThanMessageTimeout_ReportsRetriable_ThenReplayDeliversAll()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("outage");
        cluster.CreateTopic(topic, 3);
        KafkaOutputOptions options = Options(cluster.BootstrapServers, topic);
        options.MessageTimeout = TimeSpan.FromSeconds(3);

        var log = new DeliveryLog();
        var output = new KafkaOutput(options, AgentId, log.Record);
        try
        {
            ProduceAll(output, Enumerable.Range(0, 1_000).Select(i => Record(i)));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));

            // Events keep coming while every broker is down for longer than message.timeout.ms.
            cluster.SetAllBrokersDown();
            long next = 1_000;
            long outageEnd = Environment.TickCount64 + 5_000;
            while (Environment.TickCount64 < outageEnd)
            {
                ProduceAll(output, Enumerable.Range(0, 100).Select(_ => Record(next++)));
                Thread.Sleep(50);
            }

            // Nothing is lost silently: every record of the outage gets its outcome, and none is Persisted.
            output.Flush(TimeSpan.FromSeconds(10));
            Assert.Equal(0, output.InFlight);
            Assert.Equal(next, (long)log.Calls);
            long[] retriable = log.Where(DeliveryOutcome.Retriable).ToArray();
            Assert.NotEmpty(retriable);
            Assert.Equal(0, log.Count(DeliveryOutcome.Permanent));

            cluster.SetAllBrokersUp();

            // The delivery loop's part: replay everything above the watermark (the persisted contiguous prefix), in order.
            long watermark = 0;
            while (watermark < next && log[watermark].Outcome == DeliveryOutcome.Persisted)
            {
                watermark++;
            }

            if (output.IsFatal)
            {
                output.Dispose();
                output = new KafkaOutput(options, AgentId, log.Record);
            }

            long end = next + 1_000;
            ProduceAll(output, Enumerable.Range((int)watermark, (int)(end - watermark)).Select(i => Record(i)));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
            Assert.Equal(end, log.Count(DeliveryOutcome.Persisted));

            List<ConsumedMessage> messages = ConsumeAll(cluster.BootstrapServers, topic, 3, (int)end, s_consumeTimeout);
            AssertDeliveredInOrder(messages, Enumerable.Range(0, (int)end).Select(i => (long)i));
        }
        finally
        {
            output.Dispose();
        }
    }
}
