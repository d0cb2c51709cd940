using System.Text.Json;
using Confluent.Kafka;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Delivery.Kafka;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// Real <c>correlate</c> processes as members of one consumer group on a 6-partition topic in librdkafka's mock
/// cluster, fed thousands of two-sided connections keyed by community id while members crash, join and leave.
/// </summary>
public sealed class CorrelateGroupTests : IDisposable
{
    private const int Partitions = 6;
    private const int PerPhase = 1000;
    private const int Batch = 250;
    private readonly MockKafkaCluster _cluster = new(3);
    private readonly string _topic = "socket-agent-correlate-group-" + Guid.NewGuid().ToString("N");
    private readonly string _group = "correlate-group-" + Guid.NewGuid().ToString("N");
    private readonly int _run = Random.Shared.Next();
    private readonly DateTime _start = DateTime.UtcNow;
    private readonly string _output = "socket-agent-connections-" + Guid.NewGuid().ToString("N");
    private readonly List<DaemonProcess> _members = [];
    private readonly IProducer<string, string> _producer;

    public CorrelateGroupTests()
    {
        _cluster.CreateTopic(_topic, Partitions);
        _cluster.CreateTopic(_output, Partitions);
        _cluster.CreateTopic(_group + ".state", Partitions); // the mock cluster has no CreateTopics
        _producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 5 }).Build();
    }

    public void Dispose()
    {
        foreach (DaemonProcess member in _members)
        {
            member.Dispose();
        }
        _producer.Dispose();
        _cluster.Dispose();
    }

    // The session timeout is the option's own (not the 10 s default) to keep the test short; --wait is long enough
    // that every connection is written two-sided, so a line missing is a connection lost, not one written early.
    // With --output kafka --wait is short: a connection a partition's next reader reads again is then written a second
    // time (one-sided, from the far end's events read again) within the test, unless the reader knows it was written.
    private DaemonProcess StartMember(bool toKafka = false, string? transactionalId = null)
    {
        string[] output = toKafka ? ["--output", "kafka", "--output-topic", _output] : [];
        string wait = toKafka ? KafkaOutputWait.TotalSeconds + "s" : "30s";
        string[] id = transactionalId is null ? [] : ["--kafka-transactional-id", transactionalId];
        DaemonProcess member = DaemonProcess.Start(["correlate", "--kafka-bootstrap-servers", _cluster.BootstrapServers,
            "--kafka-topic", _topic, "--kafka-group", _group, "--wait", wait, "--kafka-session-timeout", "6s",
            "--kafka-property", "heartbeat.interval.ms=500", .. output, .. id]);
        _members.Add(member);
        return member;
    }

    /// <summary>
    /// Connections <paramref name="from"/> until <paramref name="to"/>, keyed by community id (both ends land in one
    /// partition): in batches, each batch's client ends first and its server ends a little later, so members always
    /// hold connections waiting for their far end (and offsets held back by them) when something happens. With
    /// <paramref name="overlap"/> a batch's server ends go out with the next batch's client ends: connections are then
    /// completed past the offset the pending ones hold back, and a partition's next reader reads them again.
    /// </summary>
    private void Produce(int from, int to, Action<int>? afterBatch = null, bool overlap = false)
    {
        for (int batch = from; batch < to; batch += Batch)
        {
            int end = Math.Min(to, batch + Batch);
            ProduceEnds(batch, end, ConnectionEventStream.Client);
            if (overlap && batch > from)
            {
                ProduceEnds(batch - Batch, batch, ConnectionEventStream.Server);
            }
            _producer.Flush(TimeSpan.FromSeconds(30));
            Thread.Sleep(300);
            if (!overlap || end == to)
            {
                ProduceEnds(batch, end, ConnectionEventStream.Server);
                _producer.Flush(TimeSpan.FromSeconds(30));
            }
            afterBatch?.Invoke(end);
        }
    }

    private void ProduceEnds(int from, int to, Func<int, int, DateTime, string> line)
    {
        for (int i = from; i < to; i++)
        {
            string id = ConnectionEventStream.CommunityId(_run, i);
            _producer.Produce(_topic, new Message<string, string> { Key = id, Value = line(_run, i, _start) });
        }
    }

    /// <summary>The connection lines every member wrote so far (a killed member's: what reached its stdout).</summary>
    private List<(string CommunityId, string? EventId, int Sides)> Written() =>
        _members.SelectMany(static m => m.AllLines).Where(static l => l.Length > 0).Select(static l =>
        {
            using var document = JsonDocument.Parse(l);
            JsonElement root = document.RootElement;
            string? eventId = root.GetProperty("event").TryGetProperty("id", out JsonElement id) ? id.GetString() : null;
            return (root.GetProperty("network").GetProperty("community_id").GetString()!, eventId,
                root.GetProperty("correlation").GetProperty("sides").GetInt32());
        }).ToList();

    /// <summary>SIGTERM and the exit code; a member that does not stop is killed and its stderr reported.</summary>
    private static int TerminateOrReport(DaemonProcess member, string who)
    {
        try
        {
            return member.Terminate(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            member.Kill();
            Assert.Fail($"{who} did not stop within 30 s of SIGTERM; its stderr:\n{member.StandardError}");
            throw;
        }
    }

    private int DistinctWritten() => Written().Select(static w => w.CommunityId).Distinct().Count();

    /// <summary>
    /// The connection records on the output topic, as a <c>read_committed</c> consumer sees them: every partition from
    /// the beginning to its end. (The mock cluster serves classic consumers everything, committed or not: only a
    /// transaction aborted or left open shows the difference, and the tests below say where that can happen.)
    /// </summary>
    private List<(string CommunityId, string? EventId, string Key)> Records()
    {
        using IConsumer<string, string> consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "verifier-" + Guid.NewGuid().ToString("N"),
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(_output, p, Offset.Beginning)));
        var records = new List<(string, string?, string)>();
        var ended = new HashSet<int>();
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ended.Count < Partitions && DateTime.UtcNow < deadline)
        {
            ConsumeResult<string, string>? result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                ended.Add(result.Partition.Value);
                continue;
            }
            using var document = JsonDocument.Parse(result.Message.Value);
            JsonElement root = document.RootElement;
            records.Add((root.GetProperty("network").GetProperty("community_id").GetString()!,
                root.GetProperty("event").GetProperty("id").GetString(), result.Message.Key));
        }
        Assert.True(ended.Count == Partitions, $"the output topic was read to its end in {ended.Count} of {Partitions} partitions");
        return records;
    }

    /// <summary>
    /// The community ids of the output topic's records as a <c>read_committed</c> consumer counts them: through the
    /// mock cluster's share groups, the one path of the mock that leaves aborted transactions out (every member must
    /// have stopped: an open transaction holds its partitions back).
    /// </summary>
    private List<string> CommittedRecords(int expected)
    {
        using var verifier = new ReadCommittedShareConsumer(_cluster.BootstrapServers, _output, "verifier-" + Guid.NewGuid().ToString("N"));
        return verifier.ReadAll(expected, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(60)).Select(static r =>
        {
            using var document = JsonDocument.Parse(r.Value);
            return document.RootElement.GetProperty("network").GetProperty("community_id").GetString()!;
        }).ToList();
    }

    private List<string> MissingFrom(IEnumerable<string> communityIds, int count) =>
        Enumerable.Range(0, count).Select(i => ConnectionEventStream.CommunityId(_run, i)).Except(communityIds).ToList();

    private string AllStandardError() => string.Join("\n---\n", _members.Select(static m => m.StandardError));

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200);
        }
    }

    [Fact]
    public void A_member_killed_one_joining_and_one_leaving_still_write_every_connection_with_one_id_each()
    {
        DaemonProcess a = StartMember();
        DaemonProcess b = StartMember();
        Produce(0, PerPhase);
        WaitUntil(() => a.AllLines.Count > 0 && b.AllLines.Count > 0, TimeSpan.FromSeconds(30));
        Assert.True(a.AllLines.Count > 0 && b.AllLines.Count > 0, $"both members write: {a.AllLines.Count} and {b.AllLines.Count} lines");

        // Mid-stream: a is killed after the first batch of the second phase (its client ends read, their server ends
        // not yet); c joins while the survivor takes a's partitions over.
        DaemonProcess? c = null;
        Produce(PerPhase, 2 * PerPhase, afterBatch: end =>
        {
            if (end == PerPhase + Batch)
            {
                a.Kill();
                c = StartMember();
            }
        });
        // b leaves cleanly: SIGTERM writes what is due, commits, leaves the group; c takes everything.
        int bExit = TerminateOrReport(b, "the member that left");
        Assert.True(bExit == 0, $"the member that left exited {bExit}; its stderr:\n{b.StandardError}");
        Produce(2 * PerPhase, 3 * PerPhase);

        WaitUntil(() => DistinctWritten() >= 3 * PerPhase, TimeSpan.FromSeconds(40));
        int cExit = TerminateOrReport(c!, "the member that joined");
        Assert.True(cExit == 0, $"the member that joined exited {cExit}; its stderr:\n{c!.StandardError}");

        List<(string CommunityId, string? EventId, int Sides)> written = Written();
        List<string> missing = MissingFrom(written.Select(static w => w.CommunityId), 3 * PerPhase);
        Assert.True(missing.Count == 0, $"{missing.Count} of {3 * PerPhase} connections never written; stderr:\n{AllStandardError()}");
        Assert.All(written, static w => Assert.False(string.IsNullOrEmpty(w.EventId)));
        foreach (IGrouping<string, (string CommunityId, string? EventId, int Sides)> same in written.GroupBy(static w => w.CommunityId))
        {
            Assert.Single(same.Select(static w => w.EventId).Distinct());
        }
        foreach (DaemonProcess member in _members)
        {
            int staleCommits = member.StandardError.Split('\n').Count(static l => l.Contains("commit", StringComparison.Ordinal)
                && l.Contains("generation", StringComparison.OrdinalIgnoreCase));
            Assert.True(staleCommits <= 1, $"a member logged {staleCommits} stale-generation commit failures:\n{member.StandardError}");
            Assert.DoesNotContain("will retry", member.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void With_output_kafka_members_joining_and_leaving_write_every_connection_exactly_once()
    {
        _cluster.EnableReadCommittedShareGroups();
        DaemonProcess a = StartMember(toKafka: true);
        DaemonProcess b = StartMember(toKafka: true);
        Produce(0, PerPhase, overlap: true);
        WaitUntil(() => Records().Count >= PerPhase, TimeSpan.FromSeconds(40));
        Assert.True(Records().Count >= PerPhase, $"the first phase was not written; stderr:\n{AllStandardError()}");

        // c joins, and later b leaves, each while connections are pending and others were completed past the offset
        // they hold back: the partitions that move are read again by their new owner from that offset.
        DaemonProcess? c = null;
        Produce(PerPhase, 2 * PerPhase, overlap: true, afterBatch: end =>
        {
            if (end == PerPhase + 2 * Batch)
            {
                c = StartMember(toKafka: true);
                WaitUntil(() => Assignments(c) > 0, TimeSpan.FromSeconds(40));
            }
        });
        Assert.True(c is not null && Assignments(c) > 0, $"the member that joined was given no partition; stderr:\n{AllStandardError()}");
        Produce(2 * PerPhase, 3 * PerPhase, overlap: true, afterBatch: end =>
        {
            if (end == 2 * PerPhase + 2 * Batch)
            {
                int bExit = TerminateOrReport(b, "the member that left");
                Assert.True(bExit == 0, $"the member that left exited {bExit}; its stderr:\n{b.StandardError}");
            }
        });

        WaitUntil(() => Records().Select(static r => r.CommunityId).Distinct().Count() >= 3 * PerPhase, TimeSpan.FromSeconds(40));
        Thread.Sleep(KafkaOutputWait * 2); // what a member took for pending would be written by now
        foreach ((DaemonProcess member, string who) in new[] { (a, "a"), (c!, "c") })
        {
            int exit = TerminateOrReport(member, who);
            Assert.True(exit == 0, $"member {who} exited {exit}; its stderr:\n{member.StandardError}");
        }

        List<(string CommunityId, string? EventId, string Key)> records = Records();
        List<string> missing = MissingFrom(records.Select(static r => r.CommunityId), 3 * PerPhase);
        Assert.True(missing.Count == 0, $"{missing.Count} of {3 * PerPhase} connections never written; stderr:\n{AllStandardError()}");
        var doubled = records.GroupBy(static r => r.CommunityId).Where(static g => g.Count() > 1).Select(static g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} connections written more than once, e.g. {doubled.FirstOrDefault()}; stderr:\n{AllStandardError()}");
        Assert.Equal(3 * PerPhase, records.Count);
        Assert.Equal(records.Select(static r => r.CommunityId).Order(), CommittedRecords(3 * PerPhase).Order()); // and read_committed
        Assert.All(records, static r => Assert.Equal(r.EventId, r.Key)); // keyed by event.id: a compacted topic keeps one
        Assert.All(_members, static m => Assert.Empty(m.AllLines)); // nothing on stdout: the lines went to Kafka
        foreach (DaemonProcess member in _members)
        {
            Assert.Contains("transactions committed, 0 aborted", member.StandardError, StringComparison.Ordinal);
        }
        // The case this test is for happened: a partition's new owner took connections as written from its state.
        Assert.True(_members.Sum(RestoredWritten) > 0, $"no member restored a written connection; stderr:\n{AllStandardError()}");
    }

    /// <summary>How many times the member was given partitions (its "partitions assigned" lines).</summary>
    private static int Assignments(DaemonProcess member) =>
        member.StandardError.Split('\n').Count(static l => l.Contains("partitions assigned", StringComparison.Ordinal));

    /// <summary>The written connections the member's assignments restored from the state topic.</summary>
    private static int RestoredWritten(DaemonProcess member) => member.StandardError.Split('\n')
        .Where(static l => l.Contains("partitions assigned", StringComparison.Ordinal))
        .Sum(static l => int.Parse(l[(l.LastIndexOf("; ", StringComparison.Ordinal) + 2)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void With_output_kafka_an_aborted_transaction_is_redone_and_read_committed_counts_each_connection_once()
    {
        _cluster.EnableReadCommittedShareGroups();
        DaemonProcess a = StartMember(toKafka: true);
        DaemonProcess b = StartMember(toKafka: true);
        Produce(0, PerPhase, overlap: true);
        WaitUntil(() => Records().Count >= PerPhase, TimeSpan.FromSeconds(40));
        Produce(PerPhase, 2 * PerPhase, overlap: true, afterBatch: end =>
        {
            if (end == PerPhase + 2 * Batch)
            {
                // The next TxnOffsetCommit (only the members send one) is refused as from a stale generation — what a
                // member the group moved on from gets (KIP-447) — after its transaction's lines and state were produced.
                _cluster.PushRequestErrors(TxnOffsetCommitApiKey, IllegalGenerationError);
                WaitUntil(() => _members.Any(static m => m.StandardError.Contains("transaction aborted", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
            }
        });
        Produce(2 * PerPhase, 3 * PerPhase, overlap: true);
        WaitUntil(() => Records().Select(static r => r.CommunityId).Distinct().Count() >= 3 * PerPhase, TimeSpan.FromSeconds(40));
        Thread.Sleep(KafkaOutputWait * 2);
        foreach ((DaemonProcess member, string who) in new[] { (a, "a"), (b, "b") })
        {
            int exit = TerminateOrReport(member, who);
            Assert.True(exit == 0, $"member {who} exited {exit}; its stderr:\n{member.StandardError}");
        }

        Assert.Single(_members, static m => m.StandardError.Contains("transactions committed, 1 aborted", StringComparison.Ordinal));
        List<string> committed = CommittedRecords(3 * PerPhase);
        List<string> missing = MissingFrom(committed, 3 * PerPhase);
        Assert.True(missing.Count == 0, $"{missing.Count} of {3 * PerPhase} connections not in a committed transaction; stderr:\n{AllStandardError()}");
        var doubled = committed.GroupBy(static c => c).Where(static g => g.Count() > 1).Select(static g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"{doubled.Count} connections committed more than once, e.g. {doubled.FirstOrDefault()}; stderr:\n{AllStandardError()}");
        Assert.Equal(3 * PerPhase, committed.Count);
        // The aborted transaction held lines, which its member wrote again: the log has more records than were committed.
        Assert.True(Records().Count > committed.Count, $"the aborted transaction held no line ({Records().Count} records in the log)");
    }

    [Fact]
    public void With_output_kafka_a_member_killed_mid_transaction_loses_no_connection()
    {
        DaemonProcess a = StartMember(toKafka: true);
        DaemonProcess b = StartMember(toKafka: true);
        Produce(0, PerPhase);
        WaitUntil(() => Records().Count > 0, TimeSpan.FromSeconds(30));
        DaemonProcess? c = null;
        Produce(PerPhase, 2 * PerPhase, afterBatch: end =>
        {
            if (end == PerPhase + Batch)
            {
                a.Kill();
                c = StartMember(toKafka: true);
            }
        });
        Produce(2 * PerPhase, 3 * PerPhase);
        WaitUntil(() => Records().Select(static r => r.CommunityId).Distinct().Count() >= 3 * PerPhase, TimeSpan.FromSeconds(60));
        foreach ((DaemonProcess member, string who) in new[] { (b, "b"), (c!, "c") })
        {
            int exit = TerminateOrReport(member, who);
            Assert.True(exit == 0, $"member {who} exited {exit}; its stderr:\n{member.StandardError}");
        }

        // The killed member's last transaction stays open: a broker aborts it after its timeout and read_committed
        // consumers never see it, but the mock cluster shows it to every consumer. So here: every connection at least
        // once, and a connection seen twice has one event.id (what Elasticsearch or a compacted topic keeps once).
        List<(string CommunityId, string? EventId, string Key)> records = Records();
        List<string> missing = MissingFrom(records.Select(static r => r.CommunityId), 3 * PerPhase);
        Assert.True(missing.Count == 0, $"{missing.Count} of {3 * PerPhase} connections never written; stderr:\n{AllStandardError()}");
        foreach (IGrouping<string, (string CommunityId, string? EventId, string Key)> same in records.GroupBy(static r => r.CommunityId))
        {
            Assert.Single(same.Select(static r => r.EventId).Distinct());
        }
    }

    [Fact]
    public void With_output_kafka_a_fenced_member_stops_with_the_reason_and_the_others_write_its_connections()
    {
        DaemonProcess a = StartMember(toKafka: true);
        DaemonProcess b = StartMember(toKafka: true);
        Produce(0, PerPhase / 2);
        WaitUntil(() => Records().Count > 0, TimeSpan.FromSeconds(30));
        // The next EndTxn of either member says another producer took its transactional id; more connections make
        // the members commit again.
        _cluster.PushRequestErrors(EndTxnApiKey, ProducerFencedError);
        Produce(PerPhase / 2, PerPhase);
        WaitUntil(() => a.HasExited || b.HasExited, TimeSpan.FromSeconds(30));
        DaemonProcess fenced = a.HasExited ? a : b;
        DaemonProcess survivor = a.HasExited ? b : a;
        Assert.True(fenced.HasExited, $"no member stopped after being fenced; stderr:\n{AllStandardError()}");
        Assert.Equal(1, fenced.Terminate(TimeSpan.FromSeconds(5)));
        Assert.Contains("fenced", fenced.StandardError, StringComparison.Ordinal);
        WaitUntil(() => Records().Select(static r => r.CommunityId).Distinct().Count() >= PerPhase, TimeSpan.FromSeconds(40));
        int exit = TerminateOrReport(survivor, "the survivor");
        Assert.True(exit == 0, $"the survivor exited {exit}; its stderr:\n{survivor.StandardError}");
        List<string> missing = MissingFrom(Records().Select(static r => r.CommunityId), PerPhase);
        Assert.True(missing.Count == 0, $"{missing.Count} of {PerPhase} connections never written; stderr:\n{AllStandardError()}");
    }

    private static readonly TimeSpan KafkaOutputWait = TimeSpan.FromSeconds(3);
    private const short EndTxnApiKey = 26;
    private const short TxnOffsetCommitApiKey = 28;
    private const int IllegalGenerationError = 22;
    private const int ProducerFencedError = 90;
}
