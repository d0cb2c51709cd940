using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>The outcomes a <see cref="KafkaOutput"/> reported, by sequence (the last one wins), and how many calls there were.</summary>
internal sealed class DeliveryLog
{
    private readonly ConcurrentDictionary<long, (DeliveryOutcome Outcome, string? Error)> _last = new();
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public void Record(long sequence, DeliveryOutcome outcome, string? error)
    {
        _last[sequence] = (outcome, error);
        Interlocked.Increment(ref _calls);
    }

    public (DeliveryOutcome Outcome, string? Error) this[long sequence] => _last[sequence];

    public IEnumerable<long> Where(DeliveryOutcome outcome)
        => _last.Where(pair => pair.Value.Outcome == outcome).Select(pair => pair.Key).Order();

    public int Count(DeliveryOutcome outcome) => _last.Count(pair => pair.Value.Outcome == outcome);
}

internal static class KafkaTestKit
{
    /// <summary>The xunit collection of every Kafka test class (run one after another, not in parallel).</summary>
    public const string Collection = "kafka";

    public const string AgentId = "5f0c6d1e-2b7a-4c4e-9a53-0a1b2c3d4e5f";

    public static string UniqueTopic(string name) => $"{name}-{Guid.NewGuid():N}";

    public static DeliveryRecord Record(long sequence, string dataset = "socket", string? communityId = null, int size = 0)
    {
        string json = $"{{\"event\":{{\"sequence\":{sequence.ToString(CultureInfo.InvariantCulture)},\"dataset\":\"{dataset}\"}}}}";
        byte[] bytes = Encoding.UTF8.GetBytes(size > json.Length ? json + new string(' ', size - json.Length) : json);
        return new DeliveryRecord(sequence, dataset, communityId, bytes);
    }

    /// <summary>Produces, backing off while librdkafka's queue is full, as the delivery loop does.</summary>
    public static void ProduceAll(KafkaOutput output, IEnumerable<DeliveryRecord> records)
    {
        foreach (DeliveryRecord record in records)
        {
            long deadline = Environment.TickCount64 + 60_000;
            while (!output.Produce(record))
            {
                Assert.True(Environment.TickCount64 < deadline, "librdkafka's queue stayed full for a minute");
                Thread.Sleep(1);
            }
        }
    }

    public static long SequenceOf(ConsumedMessage result)
        => long.Parse(Encoding.ASCII.GetString(HeaderOf(result, KafkaHeaders.EventSequence)), NumberStyles.None, CultureInfo.InvariantCulture);

    public static byte[] HeaderOf(ConsumedMessage result, string name)
    {
        Assert.True(result.Headers.TryGetLastBytes(name, out byte[] value), $"header {name} is missing");
        return value;
    }

    /// <summary>
    /// Reads <paramref name="topic"/> from the beginning of every partition until every one of
    /// <paramref name="expected"/> sequences has been seen at least once (then a little longer, to catch duplicates).
    /// </summary>
    public static List<ConsumedMessage> ConsumeAll(string bootstrapServers, string topic, int partitions, int expected, TimeSpan timeout)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "socket-agent-tests-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using IConsumer<byte[]?, byte[]> consumer = new ConsumerBuilder<byte[]?, byte[]>(config).SetLogHandler(static (_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));

        var results = new List<ConsumedMessage>();
        var seen = new HashSet<long>();
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        long quietUntil = long.MaxValue;
        while (Environment.TickCount64 < Math.Min(deadline, quietUntil))
        {
            ConsumeResult<byte[]?, byte[]>? result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null || result.IsPartitionEOF)
            {
                continue;
            }

            var copy = new ConsumedMessage(result.Partition.Value, result.Offset.Value, result.Message.Key, result.Message.Value, result.Message.Headers);
            results.Add(copy);
            if (seen.Add(SequenceOf(copy)) && seen.Count >= expected)
            {
                quietUntil = Environment.TickCount64 + 500;
            }
        }

        consumer.Close();
        return results;
    }

    /// <summary>
    /// Every sequence of <paramref name="expected"/> is there; within each partition the first occurrences rise
    /// strictly (a replay from the watermark may repeat a suffix, never reorder); every message has the agent's key and
    /// the three headers.
    /// </summary>
    public static void AssertDeliveredInOrder(IReadOnlyList<ConsumedMessage> messages, IEnumerable<long> expected, string key = AgentId)
    {
        byte[] keyBytes = Encoding.UTF8.GetBytes(key);
        foreach (IGrouping<int, ConsumedMessage> partition in messages.GroupBy(m => m.Partition))
        {
            var seen = new HashSet<long>();
            long last = long.MinValue;
            foreach (ConsumedMessage message in partition.OrderBy(m => m.Offset))
            {
                Assert.Equal(keyBytes, message.Key);
                Assert.Equal(Encoding.UTF8.GetBytes(AgentId), HeaderOf(message, KafkaHeaders.AgentId));
                Assert.Equal("1"u8.ToArray(), HeaderOf(message, KafkaHeaders.SchemaVersion));
                long sequence = SequenceOf(message);
                if (seen.Add(sequence))
                {
                    Assert.True(sequence > last, $"partition {partition.Key}: sequence {sequence} arrived after {last}");
                    last = sequence;
                }
            }
        }

        long[] missing = expected.Except(messages.Select(SequenceOf)).Order().Take(10).ToArray();
        Assert.True(missing.Length == 0, $"missing sequences, first ones: {string.Join(", ", missing)}");
    }
}

/// <summary>A consumed message, detached from the consumer.</summary>
internal sealed record ConsumedMessage(int Partition, long Offset, byte[]? Key, byte[] Value, Headers Headers);
