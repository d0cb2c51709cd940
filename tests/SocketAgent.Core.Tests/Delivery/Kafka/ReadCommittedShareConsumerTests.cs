using System.Text;
using Confluent.Kafka;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>
/// <see cref="ReadCommittedShareConsumer"/> reads a topic of the mock cluster as a read_committed consumer does, which
/// a classic read_committed consumer of the mock does not.
/// </summary>
// One Kafka test class at a time: each runs librdkafka clusters and producers that load both cores.
[Collection(KafkaTestKit.Collection)]
public sealed class ReadCommittedShareConsumerTests : IDisposable
{
    private const int Partitions = 3;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_quiet = TimeSpan.FromSeconds(3);

    private readonly MockKafkaCluster _cluster = new(3);
    private readonly string _topic = KafkaTestKit.UniqueTopic("share-read-committed");
    private readonly IProducer<string, string> _plain;
    private readonly IProducer<string, string> _transactional;

    public ReadCommittedShareConsumerTests()
    {
        _cluster.EnableReadCommittedShareGroups();
        _cluster.CreateTopic(_topic, Partitions);
        _plain = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers })
            .SetLogHandler(static (_, _) => { })
            .Build();
        _transactional = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            TransactionalId = "share-test-" + Guid.NewGuid().ToString("N"),
        })
            .SetLogHandler(static (_, _) => { })
            .Build();
        _transactional.InitTransactions(s_timeout);
    }

    public void Dispose()
    {
        _transactional.Dispose();
        _plain.Dispose();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Reads_committed_and_plain_records_but_not_aborted_ones_which_a_classic_read_committed_consumer_reads()
    {
        string[] before = await Produce(_plain, "plain-before", 3);
        _transactional.BeginTransaction();
        // Written (delivered) before the abort: an abort purges what is still queued, and then there would be nothing
        // aborted in the log to filter.
        string[] aborted = await Produce(_transactional, "aborted", 10);
        _transactional.AbortTransaction(s_timeout);
        _transactional.BeginTransaction();
        string[] committed = await Produce(_transactional, "committed", 7);
        _transactional.CommitTransaction(s_timeout);
        // After the aborted data and both control batches: a reader that stopped at aborted data would miss these.
        string[] after = await Produce(_plain, "plain-after", 3);
        string[] expected = [.. before, .. committed, .. after];

        List<string> shared;
        using (var consumer = new ReadCommittedShareConsumer(_cluster.BootstrapServers, _topic, "share-test-" + Guid.NewGuid().ToString("N")))
        {
            shared = Values(consumer.ReadAll(expected.Length, s_quiet, s_timeout));
            Assert.True(shared.Count == expected.Length, $"read {shared.Count} of {expected.Length}; consumer log: {string.Join("; ", consumer.Log)}");
        }

        Assert.Equal(expected.Order(), shared.Order());

        // Why the helper exists: the mock's classic Fetch does not filter for read_committed.
        List<string> classic = ReadClassicReadCommitted(expected.Length + aborted.Length);
        Assert.Subset(classic.ToHashSet(), aborted.ToHashSet());
        Assert.Subset(classic.ToHashSet(), expected.ToHashSet());
    }

    /// <summary>
    /// The mock's last stable offset of a partition is the first offset of the transaction still open on it: the
    /// share consumer reads nothing from there on in that partition — neither the open transaction's records nor
    /// plain records written after them — while the other partitions are read. The commit releases them.
    /// </summary>
    [Fact]
    public async Task An_open_transaction_holds_back_its_partition_from_its_first_record_until_it_commits()
    {
        string[] before = await Produce(_plain, "p0-before", 2, partition: 0);
        _transactional.BeginTransaction();
        string[] open = await Produce(_transactional, "open", 4, partition: 0);
        string[] behindOpen = await Produce(_plain, "p0-after", 2, partition: 0);
        string[] elsewhere = await Produce(_plain, "p1-after", 2, partition: 1);

        using var consumer = new ReadCommittedShareConsumer(_cluster.BootstrapServers, _topic, "share-test-" + Guid.NewGuid().ToString("N"));
        List<(byte[]? Key, byte[] Value, int Partition, long Offset)> whileOpen = consumer.ReadAll(before.Length + elsewhere.Length, s_quiet, s_timeout);

        Assert.Equal([.. before, .. elsewhere], Values(whileOpen).Order());
        // The partition 0 records read are exactly those below the open transaction's first offset.
        Assert.Equal([0L, 1L], whileOpen.Where(r => r.Partition == 0).Select(r => r.Offset).Order());

        _transactional.CommitTransaction(s_timeout);
        List<string> afterCommit = Values(consumer.ReadAll(open.Length + behindOpen.Length, s_quiet, s_timeout));

        Assert.Equal([.. open, .. behindOpen], afterCommit.Order());
    }

    /// <summary>Produces <paramref name="count"/> records (keys spread them over the partitions, unless one is named) and waits for them to be written.</summary>
    private async Task<string[]> Produce(IProducer<string, string> producer, string prefix, int count, int? partition = null)
    {
        string[] values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await Task.WhenAll(values.Select(value =>
        {
            var message = new Message<string, string> { Key = value, Value = value };
            return partition is int p
                ? producer.ProduceAsync(new TopicPartition(_topic, p), message, cancel)
                : producer.ProduceAsync(_topic, message, cancel);
        }));
        return values;
    }

    /// <summary>A Confluent.Kafka consumer with IsolationLevel.ReadCommitted, from the beginning of every partition.</summary>
    private List<string> ReadClassicReadCommitted(int expected)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "classic-test-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        using IConsumer<string, string> consumer = new ConsumerBuilder<string, string>(config).SetLogHandler(static (_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        var values = new List<string>();
        long deadline = Environment.TickCount64 + (long)s_timeout.TotalMilliseconds;
        while (values.Count < expected && Environment.TickCount64 < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
            {
                values.Add(result.Message.Value);
            }
        }

        consumer.Close();
        return values;
    }

    private static List<string> Values(IEnumerable<(byte[]? Key, byte[] Value, int Partition, long Offset)> records) =>
        records.Select(r => Encoding.UTF8.GetString(r.Value)).ToList();
}
