using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>
/// The whole delivery path — durable spool, delivery loop (Polly retry + breaker), Kafka output — against the
/// 3-broker mock cluster, through an outage longer than message.timeout.ms while events keep coming: nothing lost,
/// order kept, the watermark ends on the last event.
/// </summary>
[Collection(KafkaTestKit.Collection)]
public sealed class SpoolToKafkaTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-spool-kafka-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task An_outage_longer_than_the_message_timeout_loses_nothing_and_keeps_the_order()
    {
        using var cluster = new MockKafkaCluster(3);
        string topic = KafkaTestKit.UniqueTopic("spool-outage");
        cluster.CreateTopic(topic, partitions: 3);
        using DurableSpool spool = DurableSpool.Open(_dir.FullName);
        var options = new KafkaOutputOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic, MessageTimeout = TimeSpan.FromSeconds(2) };
        var loopOptions = new DeliveryLoopOptions
        {
            RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
            BreakDuration = TimeSpan.FromMilliseconds(500),
            DrainTimeout = TimeSpan.FromSeconds(4),
        };
        var log = new List<string>();
        using var loop = new DeliveryLoop(spool, callback => new KafkaOutput(options, KafkaTestKit.AgentId, callback), loopOptions, m => { lock (log) log.Add(m); });
        using var stop = new CancellationTokenSource();
        Task delivering = Task.Run(() => loop.RunAsync(stop.Token), TestContext.Current.CancellationToken);

        long sequence = 0;
        void Append(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(spool.TryAppend(KafkaTestKit.Record(++sequence, size: 300)));
            }
            spool.EndBatch();
        }

        Append(5_000);
        cluster.SetAllBrokersDown();
        for (int i = 0; i < 10; i++)
        {
            Append(500); // events keep coming during the outage: they wait in the spool
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        cluster.SetAllBrokersUp();
        Append(5_000);

        DateTime deadline = DateTime.UtcNow.AddSeconds(90);
        while (spool.Watermark < sequence && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        stop.Cancel();
        await delivering;

        Assert.Equal(sequence, spool.Watermark);
        DeliveryMetrics metrics = loop.Metrics;
        Assert.True(metrics.Retries > 0, "the outage should have been retried");

        List<ConsumedMessage> messages = KafkaTestKit.ConsumeAll(cluster.BootstrapServers, topic, 3, (int)sequence, TimeSpan.FromSeconds(60));
        long[] sequences = messages.Select(KafkaTestKit.SequenceOf).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)sequence).Select(static i => (long)i), sequences.Distinct().Order());
        // Order per partition: every record's first arrival comes after the first arrival of every smaller one.
        long highest = 0;
        foreach (long s in sequences.Distinct())
        {
            Assert.True(s > highest, $"sequence {s} arrived after {highest}");
            highest = s;
        }
    }
}
