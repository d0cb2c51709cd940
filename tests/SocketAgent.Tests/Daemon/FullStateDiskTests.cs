using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Confluent.Kafka;
using SocketAgent.Tests.Delivery.Kafka;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The real daemon with its state directory on a 300 KiB tmpfs that fills up while events flow, then gets space
/// back: the data path does not stop, the agent says so once, a SIGTERM exits 0, a start on the full disk works, and
/// across all the runs no <c>event.sequence</c> is used for two events and every gap is named by a <c>loss</c> line.
/// With Kafka (librdkafka's mock cluster, brokers down, spool.max_bytes 1 MiB so the disk fills first), confirmed
/// segments are freed once the brokers return, the drops are named exactly, and Kafka has every other event.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FullStateDiskTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly SmallTmpfs _disk = SmallTmpfs.Mount(300);
    private readonly Lazy<MockKafkaCluster> _cluster = new(static () => new MockKafkaCluster(3));
    private readonly string _topic = "socket-agent-fulldisk-" + Guid.NewGuid().ToString("N");
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly int _port = LoopbackPort.Free();

    public void Dispose()
    {
        _http.Dispose();
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
        _disk.Dispose();
    }

    private string StateDirectory => Path.Combine(_disk.Path, "state");

    private string SpoolDirectory => Path.Combine(StateDirectory, "spool", "kafka");

    private DaemonProcess StartStdout() =>
        DaemonProcess.Start(["--interval", "200ms", "--heartbeat", "300ms", "--state-dir", StateDirectory, "-t"]);

    private DaemonProcess StartKafka() =>
        DaemonProcess.Start(["--output", "kafka", "--output", "stdout", "--kafka-bootstrap-servers", _cluster.Value.BootstrapServers,
            "--kafka-topic", _topic, "--interval", "200ms", "--heartbeat", "300ms", "--state-dir", StateDirectory, "-t",
            "--http-listen", $"127.0.0.1:{_port}"],
            new Dictionary<string, string> { ["SOCKETAGENT_SPOOL__MAX_BYTES"] = "1048576" });

    [Fact]
    public void Stdout_only_a_full_state_disk_stops_nothing_sigterm_exits_0_and_starts_on_the_full_disk_work()
    {
        var ledger = new SequenceLedger();
        using var churn = new LoopbackChurn();
        using (DaemonProcess agent = StartStdout())
        {
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            _disk.Fill();
            long before = agent.AllLines.Count;
            for (int i = 0; i < 5; i++)
            {
                churn.Cycle(connections: 50);
            }
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            Assert.True(agent.AllLines.Count(static l => Action(l) == "opened") >= 250, "socket events stopped on the full disk");
            Assert.True(agent.AllLines.Count > before);
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            ledger.Add(agent.AllLines);
            Assert.DoesNotContain("error", agent.StandardError, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(0, _disk.FreeBytes);

        // Started on the full disk; killed there (its reservation was written in place), started again.
        using (DaemonProcess agent = StartStdout())
        {
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            churn.Cycle(connections: 50);
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            agent.Kill();
            ledger.Add(agent.AllLines);
        }
        using (DaemonProcess agent = StartStdout())
        {
            agent.WaitForLine(static l => Action(l) == "loss", s_wait);
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            ledger.Add(agent.AllLines);
        }

        // Space back: the next run continues where the clean stop left off.
        _disk.Free();
        using (DaemonProcess agent = StartStdout())
        {
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            long first = Sequence(agent.AllLines[0]);
            Assert.Equal(ledger.Highest + 1, first);
            ledger.Add(agent.AllLines);
        }

        ledger.AssertConsistent();
        (long First, long Last, string Reason) unclean = Assert.Single(ledger.Losses);
        Assert.Equal("unclean_stop", unclean.Reason);
        TestContext.Current.TestOutputHelper?.WriteLine($"{ledger.Lines} lines, sequences 1..{ledger.Highest}, loss {unclean.First}..{unclean.Last}");
    }

    [Fact]
    public async Task Kafka_a_state_disk_the_spool_fills_keeps_collecting_says_so_once_frees_confirmed_segments_and_names_every_drop()
    {
        MockKafkaCluster cluster = _cluster.Value;
        cluster.CreateTopic(_topic, partitions: 3);
        cluster.SetAllBrokersDown();
        var ledger = new SequenceLedger();
        using var churn = new LoopbackChurn();

        using (DaemonProcess agent = StartKafka())
        {
            // Connections come and go until the spool has filled the disk (it is smaller than spool.max_bytes).
            DateTime deadline = DateTime.UtcNow + s_wait;
            while (!agent.AllLines.Any(static l => Counter(l, "spool_write_failing") == 1))
            {
                Assert.True(DateTime.UtcNow < deadline, $"the disk never filled; stderr: {agent.StandardError}");
                churn.Cycle(connections: 100);
            }
            _disk.Fill(); // to the last byte
            // Collection goes on: more socket events and heartbeats on stdout, which still works.
            int opened = agent.AllLines.Count(static l => Action(l) == "opened");
            churn.Cycle(connections: 100);
            churn.Cycle(connections: 100);
            string heartbeat = WaitForNewLine(agent, static l => Action(l) == "heartbeat");
            Assert.True(agent.AllLines.Count(static l => Action(l) == "opened") >= opened + 200, "collection stopped on the full disk");
            Assert.Equal(1, Counter(heartbeat, "spool_write_failing"));
            Assert.True(Counter(heartbeat, "spool_drops") > 0);

            (HttpStatusCode status, string body) = await GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            using (JsonDocument health = JsonDocument.Parse(body))
            {
                Assert.Equal("failing", health.RootElement.GetProperty("outputs").GetProperty("kafka").GetString());
                Assert.Contains(health.RootElement.GetProperty("reasons").EnumerateArray(),
                    static r => r.GetString()!.Contains("cannot write to the state directory's disk", StringComparison.Ordinal));
            }
            (_, string metrics) = await GetAsync("/metrics");
            Assert.Equal(1, Telemetry.PrometheusScrape.ParseText(metrics, openMetrics: false).Sample("socket_agent_spool_write_failing"));

            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            ledger.Add(agent.AllLines);
            // Said once, not once per cycle.
            Assert.Equal(1, Occurrences(agent.StandardError, "cannot write ("));
        }
        Assert.Equal(0, _disk.FreeBytes);
        int segments = Directory.GetFiles(SpoolDirectory, "*.seg").Length;

        // A start on the full disk works; the brokers come back, confirm, and the spool frees the disk.
        string stderr;
        using (DaemonProcess agent = StartKafka())
        {
            agent.WaitForLine(static l => Action(l) == "heartbeat", s_wait);
            // More than the spool's write buffer holds in memory: the rest is dropped.
            DateTime deadline = DateTime.UtcNow + s_wait;
            while (!agent.AllLines.Any(static l => Counter(l, "spool_drops") > 0))
            {
                Assert.True(DateTime.UtcNow < deadline, $"nothing dropped on the full disk; stderr: {agent.StandardError}");
                churn.Cycle(connections: 100);
            }
            Assert.Contains(agent.AllLines, static l => Counter(l, "spool_write_failing") == 1);
            cluster.SetAllBrokersUp();
            // What the full disk dropped is named as soon as the spool can write again.
            agent.WaitForLine(static l => l.Contains("\"reason\":\"disk_full\"", StringComparison.Ordinal), s_wait);
            WaitForNewLine(agent, static l => Counter(l, "spool_write_failing") == 0 && Counter(l, "watermark_lag") < 100);
            Assert.True(_disk.FreeBytes > 0);
            Assert.True(Directory.GetFiles(SpoolDirectory, "*.seg").Length <= Math.Max(1, segments / 2),
                $"{Directory.GetFiles(SpoolDirectory, "*.seg").Length} of {segments} segments left");
            (_, string health) = await GetAsync("/healthz");
            Assert.DoesNotContain("cannot write", health);
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            ledger.Add(agent.AllLines);
            stderr = agent.StandardError;
        }

        // stdout got every line: across both runs no number twice, every gap named.
        ledger.AssertConsistent();
        var dropped = new HashSet<long>();
        foreach ((long first, long last, string reason) in ledger.Losses)
        {
            Assert.Contains(reason, (string[])["disk_full", "spool_full", "unclean_stop"]);
            for (long s = first; s <= last; s++)
            {
                dropped.Add(s);
            }
        }
        Assert.Contains(ledger.Losses, static l => l.Reason == "disk_full");

        // Kafka has every event stdout had, except exactly those the loss lines name.
        HashSet<long> delivered = Consume(d => ledger.Sequences.All(s => d.Contains(s) || dropped.Contains(s)));
        long[] missing = ledger.Sequences.Where(s => !delivered.Contains(s) && !dropped.Contains(s)).Order().ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{ledger.Lines} lines up to {ledger.Highest}; {dropped.Count} named lost in {ledger.Losses.Count} range(s): " +
            string.Join(' ', ledger.Losses.Select(static l => $"{l.First}..{l.Last} {l.Reason}")) + $"; {delivered.Count} delivered; stderr of the second run:\n{stderr}");
        Assert.True(missing.Length == 0, $"{missing.Length} sequences neither in Kafka nor named lost, first {string.Join(',', missing.Take(10))}");
    }

    private static string WaitForNewLine(DaemonProcess agent, Func<string, bool> predicate) => agent.WaitForLine(predicate, s_wait);

    private HashSet<long> Consume(Func<HashSet<long>, bool> enough)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _cluster.Value.BootstrapServers,
            GroupId = "fulldisk-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using IConsumer<byte[]?, byte[]> consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        var sequences = new HashSet<long>();
        DateTime deadline = DateTime.UtcNow + s_wait;
        while (DateTime.UtcNow < deadline && !enough(sequences))
        {
            ConsumeResult<byte[]?, byte[]>? message = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (message is { IsPartitionEOF: false, Message: not null })
            {
                sequences.Add(Sequence(System.Text.Encoding.UTF8.GetString(message.Message.Value)));
            }
        }
        return sequences;
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using HttpResponseMessage response = await _http.GetAsync($"http://127.0.0.1:{_port}{path}", TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }


    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static long Sequence(string line) => JsonDocument.Parse(line).RootElement.GetProperty("event").GetProperty("sequence").GetInt64();

    private static string? Action(string line) =>
        JsonDocument.Parse(line).RootElement.GetProperty("event").TryGetProperty("action", out JsonElement action) ? action.GetString() : null;

    /// <summary>heartbeat.counters.NAME, or null for any other line.</summary>
    private static long? Counter(string line, string name)
    {
        JsonElement root = JsonDocument.Parse(line).RootElement;
        return root.TryGetProperty("heartbeat", out JsonElement heartbeat)
            && heartbeat.TryGetProperty("counters", out JsonElement counters)
            && counters.TryGetProperty(name, out JsonElement value)
            ? value.GetInt64()
            : null;
    }
}
