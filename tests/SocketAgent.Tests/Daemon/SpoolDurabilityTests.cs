using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using SocketAgent.Tests.Delivery.Kafka;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The durable spool's promises, proven on the real daemon: one agent per state directory (and a lock left by a
/// kill -9 is not stale), a full spool reported as an exact <c>loss</c> range with nothing else missing, and a
/// corrupt segment left in the state directory cut off, reported, and the rest delivered.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SpoolDurabilityTests : IDisposable
{
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("socket-agent-spoolhard-");
    private readonly Lazy<MockKafkaCluster> _cluster = new(static () => new MockKafkaCluster(3));
    private readonly string _topic = "socket-agent-spoolhard-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
        _state.Delete(recursive: true);
    }

    private MockKafkaCluster Cluster => _cluster.Value;

    private string SpoolDirectory => Path.Combine(_state.FullName, "spool", "kafka");

    private DaemonProcess StartKafka(bool stdoutToo, IReadOnlyDictionary<string, string>? environment = null)
    {
        List<string> args = ["--output", "kafka", "--kafka-bootstrap-servers", Cluster.BootstrapServers, "--kafka-topic", _topic,
            "--interval", "200ms", "--heartbeat", "300ms", "--state-dir", _state.FullName, "-t"];
        if (stdoutToo)
        {
            args.AddRange(["--output", "stdout"]);
        }
        return DaemonProcess.Start([.. args], environment);
    }

    [Fact]
    public void A_second_daemon_on_the_same_state_directory_fails_naming_the_lock_and_the_holder_and_a_kill_9_leaves_no_stale_lock()
    {
        string[] args = ["--interval", "200ms", "--heartbeat", "1s", "--state-dir", _state.FullName, "-t"];
        string lockPath = Path.Combine(_state.FullName, "lock");
        using (DaemonProcess first = DaemonProcess.Start(args))
        {
            first.WaitForLine(static _ => true, TimeSpan.FromSeconds(30));

            AgentProcess.Result second = DaemonProcess.Run(args);

            Assert.NotEqual(0, second.ExitCode);
            Assert.Empty(second.StandardOutput);
            string error = Assert.Single(second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(lockPath, error);
            Assert.Contains($"pid {first.Id}", error);

            // --once keeps no state: it runs beside the daemon on the same directory.
            AgentProcess.Result once = DaemonProcess.Run(["--once", "--state-dir", _state.FullName, "-t"]);
            Assert.Equal(0, once.ExitCode);
            Assert.NotEmpty(once.StandardOutput);

            first.Kill(); // SIGKILL: the lock file stays behind, with the dead agent's pid
        }
        Assert.True(File.Exists(lockPath));

        using DaemonProcess third = DaemonProcess.Start(args);
        third.WaitForLine(static _ => true, TimeSpan.FromSeconds(30));
        Assert.Equal(0, third.Terminate(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void A_full_spool_drops_the_newest_and_the_delivered_loss_event_names_exactly_what_kafka_never_got()
    {
        Cluster.CreateTopic(_topic, partitions: 3);
        Cluster.SetAllBrokersDown();
        var environment = new Dictionary<string, string> { ["SOCKETAGENT_SPOOL__MAX_BYTES"] = "1048576" };
        List<string> stdout;
        using (DaemonProcess agent = StartKafka(stdoutToo: true, environment))
        using (var churn = new LoopbackChurn())
        {
            // Connections open and close until a heartbeat counts drops (1 MiB is a few thousand events).
            long drops = 0;
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (drops == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no drops counted in 60 s; stderr: {agent.StandardError}");
                churn.Cycle(connections: 100);
                string? line;
                while ((line = agent.ReadLine(TimeSpan.Zero)) is not null)
                {
                    drops = Math.Max(drops, SpoolDrops(line) ?? 0);
                }
            }
            churn.Dispose();

            Cluster.SetAllBrokersUp();
            // Delivery frees the spool; the loss event follows as soon as there is room.
            agent.WaitForLine(static l => Action(l) == "loss", TimeSpan.FromSeconds(60));
            agent.WaitForLine(static l => Action(l) == "heartbeat", TimeSpan.FromSeconds(10));
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            stdout = [.. agent.AllLines];
            Assert.Contains("the spool was full", agent.StandardError);
        }

        // stdout got every line: it is the record of what was emitted, lost or not.
        long[] emitted = stdout.Select(Sequence).ToArray();
        long last = emitted[^1];
        // The watermark steps over the dropped ranges: a gap is not an unconfirmed record.
        Assert.Equal(last, long.Parse(File.ReadAllText(Path.Combine(SpoolDirectory, "watermark")).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Enumerable.Range(1, (int)last).Select(static i => (long)i), emitted);
        (long First, long Last, long Sequence)[] losses = stdout.Where(static l => Action(l) == "loss").Select(LossRange).ToArray();
        Assert.NotEmpty(losses);
        long lost = losses.Sum(static l => l.Last - l.First + 1);
        long countedDrops = stdout.Select(SpoolDrops).Where(static d => d is not null).Max()!.Value;
        Assert.Equal(countedDrops, lost); // the heartbeat's count and the loss ranges agree exactly

        var lostSet = new HashSet<long>();
        foreach ((long first, long lastLost, _) in losses)
        {
            for (long s = first; s <= lastLost; s++)
            {
                Assert.True(lostSet.Add(s), $"sequence {s} is in two loss ranges");
            }
        }

        List<(long Sequence, string Json)> messages = ConsumeAll(d => d.Count + lostSet.Count >= last);
        var delivered = messages.Select(static m => m.Sequence).ToHashSet();
        long[] both = delivered.Where(lostSet.Contains).Order().ToArray();
        Assert.True(both.Length == 0, $"{both.Length} sequences both delivered and reported lost, first {string.Join(',', both.Take(10))}");
        long[] missing = Enumerable.Range(1, (int)last).Select(static i => (long)i).Where(s => !delivered.Contains(s) && !lostSet.Contains(s)).ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine($"emitted 1..{last}; lost {lost} in {losses.Length} range(s) {string.Join(' ', losses.Select(static l => $"{l.First}..{l.Last}"))}; delivered {delivered.Count}");
        Assert.True(missing.Length == 0, $"{missing.Length} of {last} sequences neither delivered nor reported lost, first {string.Join(',', missing.Take(10))}");
        foreach ((long first, long lastLost, long sequence) in losses)
        {
            // The loss event itself reached Kafka, naming the same range.
            (_, string copy) = messages.First(m => m.Sequence == sequence);
            Assert.Equal((first, lastLost, sequence), LossRange(copy));
        }
    }

    [Fact]
    public void A_corrupt_segment_in_the_state_directory_is_cut_reported_and_the_rest_delivered()
    {
        Cluster.CreateTopic(_topic, partitions: 3);
        Cluster.SetAllBrokersDown();
        long before;
        using (DaemonProcess first = StartKafka(stdoutToo: false))
        {
            // Heartbeats every 300 ms: wait for a spool of some dozens of records, none of them delivered.
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (PersistedSequence() < 30 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            first.Kill();
            before = PersistedSequence();
        }
        // Killed: the next run starts above everything the first had reserved, and names the numbers in between.
        long reserved = SocketAgent.State.SequenceFile.Read(Path.Combine(_state.FullName, "event-sequence")).Reserved;
        Assert.True(before >= 30, $"only {before} events before the kill");
        string segment = Assert.Single(Directory.GetFiles(SpoolDirectory, "*.seg"));
        long length = new FileInfo(segment).Length;
        using (FileStream stream = File.Open(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            // Rot in the middle of the file: every record from the damaged one on is cut off.
            stream.Position = length / 2;
            int value = stream.ReadByte();
            stream.Position = length / 2;
            stream.WriteByte((byte)(value ^ 0x5a));
        }

        Cluster.SetAllBrokersUp();
        long after;
        string stderr;
        using (DaemonProcess second = StartKafka(stdoutToo: false))
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (PersistedSequence() < before + 10 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            Assert.Equal(0, second.Terminate(TimeSpan.FromSeconds(30)));
            after = PersistedSequence();
            stderr = second.StandardError;
        }

        Match cut = CutReport().Match(stderr);
        Assert.True(cut.Success, $"no cut reported on stderr: {stderr}");
        Assert.Contains(segment, cut.Value);
        long kept = long.Parse(cut.Groups["kept"].Value, CultureInfo.InvariantCulture);
        TestContext.Current.TestOutputHelper?.WriteLine($"first run 1..{before}, kept 1..{kept}, second run {before + 1}..{after}");
        Assert.InRange(kept, 1, before - 1);

        // Everything before the damage, and everything of the second run, reaches Kafka; nothing of the cut part.
        long[] expected = [.. Enumerable.Range(1, (int)kept).Select(static i => (long)i), .. Enumerable.Range((int)reserved + 1, (int)(after - reserved)).Select(static i => (long)i)];
        List<(long Sequence, string Json)> messages = ConsumeAll(d => expected.All(d.Contains));
        HashSet<long> delivered = messages.Select(static m => m.Sequence).ToHashSet();
        long[] missing = expected.Where(s => !delivered.Contains(s)).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} sequences never reached Kafka, first {string.Join(',', missing.Take(10))}");
        Assert.DoesNotContain(delivered, s => s > kept && s <= before);

        // The cut part is not an unexplained gap: a loss line names exactly it, and reaches Kafka like any event.
        string[] losses = messages.Select(static m => m.Json).Distinct().Where(static j => j.Contains("\"action\":\"loss\"", StringComparison.Ordinal)).ToArray();
        string loss = Assert.Single(losses, static j => j.Contains("\"reason\":\"spool_corrupt\"", StringComparison.Ordinal));
        Assert.Equal((kept + 1, before), (LossRange(loss).First, LossRange(loss).Last));
        Assert.Contains($"events {kept + 1}..{before}", stderr);
        // And what the killed run had reserved past its last flushed line: named, never reused.
        if (reserved > before)
        {
            string unclean = Assert.Single(losses, static j => j.Contains("\"reason\":\"unclean_stop\"", StringComparison.Ordinal));
            Assert.Equal((before + 1, reserved), (LossRange(unclean).First, LossRange(unclean).Last));
        }
        Assert.Equal(reserved > before ? 2 : 1, losses.Length);
    }

    [GeneratedRegex(@"spool segment '[^']+': .* cut off \d+ bytes after (?<kept>\d+) good records")]
    private static partial Regex CutReport();

    private long PersistedSequence()
    {
        string path = Path.Combine(_state.FullName, "event-sequence");
        return File.Exists(path) ? SocketAgent.State.SequenceFile.Read(path).Flushed : 0;
    }

    /// <summary>The topic from the beginning, until <paramref name="enough"/> says so of the distinct sequences read (or 60 s pass).</summary>
    private List<(long Sequence, string Json)> ConsumeAll(Func<HashSet<long>, bool> enough)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = Cluster.BootstrapServers,
            GroupId = "spoolhard-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using IConsumer<byte[]?, byte[]> consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        var messages = new List<(long Sequence, string Json)>();
        var sequences = new HashSet<long>();
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !enough(sequences))
        {
            ConsumeResult<byte[]?, byte[]>? message = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (message is { IsPartitionEOF: false, Message: not null })
            {
                string json = System.Text.Encoding.UTF8.GetString(message.Message.Value);
                long sequence = Sequence(json);
                messages.Add((sequence, json));
                sequences.Add(sequence);
            }
        }
        return messages;
    }

    private static long Sequence(string line) => JsonDocument.Parse(line).RootElement.GetProperty("event").GetProperty("sequence").GetInt64();

    private static string? Action(string line) =>
        JsonDocument.Parse(line).RootElement.GetProperty("event").TryGetProperty("action", out JsonElement action) ? action.GetString() : null;

    private static (long First, long Last, long Sequence) LossRange(string line)
    {
        JsonElement root = JsonDocument.Parse(line).RootElement;
        JsonElement loss = root.GetProperty("loss");
        return (loss.GetProperty("first_sequence").GetInt64(), loss.GetProperty("last_sequence").GetInt64(), root.GetProperty("event").GetProperty("sequence").GetInt64());
    }

    /// <summary>heartbeat.counters.spool_drops, or null for any other line.</summary>
    private static long? SpoolDrops(string line)
    {
        JsonElement root = JsonDocument.Parse(line).RootElement;
        return root.TryGetProperty("heartbeat", out JsonElement heartbeat)
            && heartbeat.TryGetProperty("counters", out JsonElement counters)
            && counters.TryGetProperty("spool_drops", out JsonElement drops)
            ? drops.GetInt64()
            : null;
    }
}
