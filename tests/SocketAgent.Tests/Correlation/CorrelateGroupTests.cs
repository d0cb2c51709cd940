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
    private readonly List<DaemonProcess> _members = [];
    private readonly IProducer<string, string> _producer;

    public CorrelateGroupTests()
    {
        _cluster.CreateTopic(_topic, Partitions);
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
    private DaemonProcess StartMember()
    {
        DaemonProcess member = DaemonProcess.Start(["correlate", "--kafka-bootstrap-servers", _cluster.BootstrapServers,
            "--kafka-topic", _topic, "--kafka-group", _group, "--wait", "30s", "--kafka-session-timeout", "6s",
            "--kafka-property", "heartbeat.interval.ms=500"]);
        _members.Add(member);
        return member;
    }

    /// <summary>
    /// Connections <paramref name="from"/> until <paramref name="to"/>, keyed by community id (both ends land in one
    /// partition): in batches, each batch's client ends first and its server ends a little later, so members always
    /// hold connections waiting for their far end (and offsets held back by them) when something happens.
    /// </summary>
    private void Produce(int from, int to, Action<int>? afterBatch = null)
    {
        for (int batch = from; batch < to; batch += Batch)
        {
            int end = Math.Min(to, batch + Batch);
            for (int i = batch; i < end; i++)
            {
                string id = ConnectionEventStream.CommunityId(_run, i);
                _producer.Produce(_topic, new Message<string, string> { Key = id, Value = ConnectionEventStream.Client(_run, i, _start) });
            }
            _producer.Flush(TimeSpan.FromSeconds(30));
            Thread.Sleep(300);
            for (int i = batch; i < end; i++)
            {
                string id = ConnectionEventStream.CommunityId(_run, i);
                _producer.Produce(_topic, new Message<string, string> { Key = id, Value = ConnectionEventStream.Server(_run, i, _start) });
            }
            _producer.Flush(TimeSpan.FromSeconds(30));
            afterBatch?.Invoke(end);
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
        var missing = Enumerable.Range(0, 3 * PerPhase).Select(i => ConnectionEventStream.CommunityId(_run, i))
            .Except(written.Select(static w => w.CommunityId)).ToList();
        string stderr = string.Join("\n---\n", _members.Select(static m => m.StandardError));
        Assert.True(missing.Count == 0, $"{missing.Count} of {3 * PerPhase} connections never written; stderr:\n{stderr}");
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
}
