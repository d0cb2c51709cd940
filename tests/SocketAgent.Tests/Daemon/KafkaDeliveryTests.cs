using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using SocketAgent.Tests.Delivery.Kafka;
using SocketAgent.Tests.Encoders.Json;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The daemon delivering into librdkafka's 3-broker mock cluster (real Kafka protocol on loopback ports): every
/// <c>event.sequence</c> arrives, in order, keyed by agent.id; after a kill -9 and a restart, every sequence is
/// delivered at least once (the spool replays what Kafka had not confirmed).
/// </summary>
public sealed class KafkaDeliveryTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("socket-agent-kafka-");
    private readonly MockKafkaCluster _cluster = new(3);
    private readonly string _topic = "socket-agent-e2e-" + Guid.NewGuid().ToString("N");

    public KafkaDeliveryTests() => _cluster.CreateTopic(_topic, partitions: 3);

    public void Dispose()
    {
        _cluster.Dispose();
        _state.Delete(recursive: true);
    }

    private DaemonProcess Start() => DaemonProcess.Start(["--output", "kafka", "--kafka-bootstrap-servers", _cluster.BootstrapServers,
        "--kafka-topic", _topic, "--interval", "200ms", "--heartbeat", "300ms", "--state-dir", _state.FullName, "-t"]);

    /// <summary>The topic from the beginning of every partition, until <paramref name="enough"/> says so (or 60 s pass).</summary>
    private List<ConsumeResult<byte[]?, byte[]>> ConsumeAll(Func<List<ConsumeResult<byte[]?, byte[]>>, bool> enough)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "e2e-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using IConsumer<byte[]?, byte[]> consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        var messages = new List<ConsumeResult<byte[]?, byte[]>>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !enough(messages))
        {
            ConsumeResult<byte[]?, byte[]>? message = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (message is { IsPartitionEOF: false, Message: not null })
            {
                messages.Add(message);
            }
        }
        return messages;
    }

    private static long Sequence(ConsumeResult<byte[]?, byte[]> message) =>
        JsonDocument.Parse(message.Message.Value).RootElement.GetProperty("event").GetProperty("sequence").GetInt64();

    private static int Heartbeats(IEnumerable<ConsumeResult<byte[]?, byte[]>> messages) =>
        messages.Count(static m => Encoding.UTF8.GetString(m.Message.Value).Contains("\"heartbeat\"", StringComparison.Ordinal));

    /// <summary>The last sequence the agent recorded as flushed.</summary>
    private long PersistedSequence() => SocketAgent.State.SequenceFile.Read(Path.Combine(_state.FullName, "event-sequence")).Flushed;

    [Fact]
    public void Every_sequence_arrives_once_in_order_keyed_by_the_agent_and_the_spool_is_acknowledged()
    {
        using (DaemonProcess agent = Start())
        {
            ConsumeAll(static m => Heartbeats(m) >= 2);
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));
            Assert.Empty(agent.AllLines); // kafka only: nothing on stdout
        }

        long last = PersistedSequence();
        List<ConsumeResult<byte[]?, byte[]>> messages = ConsumeAll(m => m.Count >= last);
        long[] sequences = messages.Select(Sequence).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)last).Select(static i => (long)i), sequences.Order());
        Assert.Single(messages.Select(static m => m.Partition.Value).Distinct()); // one host, one key, one partition
        Assert.Equal(sequences.Order(), sequences); // in order within the partition
        string agentId = File.ReadAllText(Path.Combine(_state.FullName, "agent-id")).Trim();
        Assert.All(messages, m => Assert.Equal(agentId, Encoding.UTF8.GetString(m.Message.Key!)));
        foreach (ConsumeResult<byte[]?, byte[]> message in messages.Take(200))
        {
            SchemaValidator.AssertValid(Encoding.UTF8.GetString(message.Message.Value));
        }
    }

    [Fact]
    public void After_kill_9_and_a_restart_every_sequence_is_delivered_or_named_lost_and_none_is_reused()
    {
        using (DaemonProcess first = Start())
        {
            ConsumeAll(static m => Heartbeats(m) >= 1);
            first.Kill(); // SIGKILL: no flush, no final save
        }
        long flushed = PersistedSequence();
        long reserved = SocketAgent.State.SequenceFile.Read(Path.Combine(_state.FullName, "event-sequence")).Reserved;
        using (DaemonProcess second = Start())
        {
            long before = PersistedSequence();
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (PersistedSequence() < before + 5 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
            Assert.Equal(0, second.Terminate(TimeSpan.FromSeconds(20)));
        }

        long last = PersistedSequence();
        // The second run's numbers start above the first's reservation; the unclean_stop loss line names the numbers
        // in between (each one emitted by the first run before the kill, or never used).
        List<ConsumeResult<byte[]?, byte[]>> messages = ConsumeAll(m => m.Select(Sequence).Where(s => s <= flushed || s > reserved).ToHashSet().Count >= flushed + (last - reserved));
        HashSet<long> delivered = messages.Select(Sequence).ToHashSet();
        string unclean = Assert.Single(messages.Select(static m => Encoding.UTF8.GetString(m.Message.Value)).Distinct(),
            static j => j.Contains("\"reason\":\"unclean_stop\"", StringComparison.Ordinal));
        using (JsonDocument loss = JsonDocument.Parse(unclean))
        {
            Assert.Equal(flushed + 1, loss.RootElement.GetProperty("loss").GetProperty("first_sequence").GetInt64());
            Assert.Equal(reserved, loss.RootElement.GetProperty("loss").GetProperty("last_sequence").GetInt64());
        }
        long[] missing = Enumerable.Range(1, (int)last).Select(static i => (long)i)
            .Where(s => !delivered.Contains(s) && !(s > flushed && s <= reserved)).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} of {last} sequences neither reached Kafka nor were named lost, first {string.Join(',', missing.Take(10))}");
        // No number stands for two different events (a retried send repeats the same event: same event.id).
        foreach (IGrouping<long, ConsumeResult<byte[]?, byte[]>> same in messages.GroupBy(Sequence))
        {
            Assert.Single(same.Select(static m => JsonDocument.Parse(m.Message.Value).RootElement.GetProperty("event").GetProperty("id").GetString()).Distinct());
        }
    }
}
