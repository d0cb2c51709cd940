using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using static SocketAgent.Tests.Delivery.Kafka.KafkaTestKit;

namespace SocketAgent.Tests.Delivery.Kafka;

// One Kafka test class at a time: each runs librdkafka clusters and producers that load both cores.
[Collection(KafkaTestKit.Collection)]
public sealed class KafkaOutputFailureTests
{
    private static readonly TimeSpan s_consumeTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void InjectedProduceErrorsAndSlowBrokers_LoseNothing()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("errors");
        cluster.CreateTopic(topic, 3);
        foreach (int broker in cluster.BrokerIds)
        {
            cluster.SetRtt(broker, 500);
        }

        // NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS: librdkafka retries these itself.
        cluster.PushRequestErrors(MockKafkaCluster.ProduceApiKey, 6, 7, 19, 6, 7, 19, 19, 7, 6);

        var log = new DeliveryLog();
        using (var output = new KafkaOutput(new KafkaOutputOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic }, AgentId, log.Record))
        {
            ProduceAll(output, Enumerable.Range(0, 2_000).Select(i => Record(i)));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(2_000, log.Calls);
        Assert.Equal(2_000, log.Count(DeliveryOutcome.Persisted));
        List<ConsumedMessage> messages = ConsumeAll(cluster.BootstrapServers, topic, 3, 2_000, s_consumeTimeout);
        AssertDeliveredInOrder(messages, Enumerable.Range(0, 2_000).Select(i => (long)i));
    }

    [Fact]
    public void BrokerSaysMessageTooLarge_IsPermanentWithTheErrorText()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("too-large");
        cluster.CreateTopic(topic, 1);
        cluster.PushRequestErrors(MockKafkaCluster.ProduceApiKey, 10 /* MESSAGE_TOO_LARGE */);

        var log = new DeliveryLog();
        using (var output = new KafkaOutput(new KafkaOutputOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic }, AgentId, log.Record))
        {
            Assert.True(output.Produce(Record(7)));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
        }

        (DeliveryOutcome outcome, string? error) = log[7];
        Assert.Equal(DeliveryOutcome.Permanent, outcome);
        Assert.Contains("MsgSizeTooLarge", error);
        Assert.Contains(topic, error);
    }

    [Fact]
    public void RecordLargerThanMessageMaxBytes_IsPermanentAtOnce()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("local-too-large");
        cluster.CreateTopic(topic, 1);
        var options = new KafkaOutputOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic };
        options.Properties["message.max.bytes"] = "10000";

        var log = new DeliveryLog();
        using var output = new KafkaOutput(options, AgentId, log.Record);
        Assert.True(output.Produce(Record(1, size: 20_000)));
        Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal(DeliveryOutcome.Permanent, log[1].Outcome);
        Assert.Equal(1, log.Calls);
    }

    [Fact]
    public void FullLocalQueue_ProduceReturnsFalse_AndQueuesNothing()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("queue-full");
        cluster.CreateTopic(topic, 1);
        cluster.SetAllBrokersDown();
        var options = new KafkaOutputOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic, MaxQueuedMessages = 10 };

        var log = new DeliveryLog();
        using var output = new KafkaOutput(options, AgentId, log.Record);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(output.Produce(Record(i)));
        }

        Assert.False(output.Produce(Record(10)));
        Assert.Equal(10, output.InFlight);

        cluster.SetAllBrokersUp();
        Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal(10, log.Count(DeliveryOutcome.Persisted));
        Assert.Equal(10, log.Calls);
        Assert.True(output.Produce(Record(10)));
        Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));
        Assert.Equal(DeliveryOutcome.Persisted, log[10].Outcome);
    }

    [Fact]
    public void FatalProducerError_NextProduceThrows_AndARebuiltOutputReplays()
    {
        using var cluster = new MockKafkaCluster();
        string topic = UniqueTopic("fatal");
        cluster.CreateTopic(topic, 3);
        var options = new KafkaOutputOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        var log = new DeliveryLog();
        using (var output = new KafkaOutput(options, AgentId, log.Record, errors.Enqueue))
        {
            ProduceAll(output, Enumerable.Range(0, 100).Select(i => Record(i)));
            Assert.Equal(0, output.Flush(TimeSpan.FromSeconds(30)));

            MockKafkaCluster.TriggerFatalError(output.Handle, 45 /* OUT_OF_ORDER_SEQUENCE_NUMBER */, "test: broker lost the producer's sequence");
            Assert.True(SpinWait.SpinUntil(() => output.IsFatal, TimeSpan.FromSeconds(10)), "the fatal error never reached the error handler");
            Assert.Throws<RemoteOutputFatalException>(() => output.Produce(Record(100)));
            Assert.Contains(errors, e => e.Contains("fatal", StringComparison.Ordinal));
        }

        // The delivery loop's part: a new output, replay from the watermark (here everything from 100 on).
        using (var rebuilt = new KafkaOutput(options, AgentId, log.Record))
        {
            ProduceAll(rebuilt, Enumerable.Range(100, 100).Select(i => Record(i)));
            Assert.Equal(0, rebuilt.Flush(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(200, log.Count(DeliveryOutcome.Persisted));
        AssertDeliveredInOrder(ConsumeAll(cluster.BootstrapServers, topic, 3, 200, s_consumeTimeout), Enumerable.Range(0, 200).Select(i => (long)i));
    }

    [Theory]
    [InlineData("enable.idempotence", "false")]
    [InlineData("acks", "1")]
    [InlineData("acks", "0")]
    [InlineData("request.required.acks", "1")]
    public void PropertiesCannotWeakenDurability(string key, string value)
    {
        var options = new KafkaOutputOptions { BootstrapServers = "127.0.0.1:1" };
        options.Properties[key] = value;
        Assert.Throws<ArgumentException>(() => new KafkaOutput(options, AgentId, static (_, _, _) => { }).Dispose());
    }

    [Fact]
    public void PassedThroughPropertiesOverrideDefaults()
    {
        var options = new KafkaOutputOptions { BootstrapServers = "b:9092", Compression = "lz4" };
        options.Properties["security.protocol"] = "SASL_SSL";
        options.Properties["linger.ms"] = "50";
        Dictionary<string, string> config = KafkaProducerConfig.Build(options);
        Assert.Equal("SASL_SSL", config["security.protocol"]);
        Assert.Equal("50", config["linger.ms"]);
        Assert.Equal("lz4", config["compression.type"]);
        Assert.Equal("true", config["enable.idempotence"]);
        Assert.Equal("all", config["acks"]);
        Assert.Equal("30000", config["message.timeout.ms"]);
        Assert.Equal("10000", config["queue.buffering.max.messages"]);
    }
}
