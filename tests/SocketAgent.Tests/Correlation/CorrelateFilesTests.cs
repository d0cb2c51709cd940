using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// Two hosts on one machine: a daemon per network namespace (own state directory and --host-name) writing to a file,
/// a python client in one namespace talking to a python server in the other; <c>socket-agent correlate</c> on the
/// two files names both processes in one line, with their command lines, times and bytes — and only once, however
/// often the input repeats.
/// </summary>
public sealed class CorrelateFilesTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("socket-agent-correlate-");

    public void Dispose() => _work.Delete(recursive: true);

    internal static DaemonProcess StartAgent(string ns, string name, DirectoryInfo work, params string[] output) =>
        DaemonProcess.Start(["--netns", $"/run/netns/{ns}", "--state-dir", Path.Combine(work.FullName, name), "--host-name", name,
            "--interval", "200ms", "--heartbeat", "1s", "-t", .. output]);

    /// <summary>Waits until <paramref name="read"/> shows the connection closed on its port (the destroy notification).</summary>
    internal static void WaitForClose(Func<IEnumerable<string>> read, int port, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        string portText = $"\"port\":{port}";
        while (!read().Any(l => l.Contains("\"action\":\"closed\"", StringComparison.Ordinal) && l.Contains(portText, StringComparison.Ordinal)
                   && l.Contains("community_id", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} never reported the connection on port {port} closed");
            Thread.Sleep(100);
        }
    }

    internal static IEnumerable<string> ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The correlate line of the exchange (asserting there is exactly one), checked against both agents' own events.</summary>
    internal static JsonElement AssertOneLine(IEnumerable<string> lines, CrossHostExchange exchange, string serverHost, string clientHost,
        IReadOnlyList<string> serverEvents, IReadOnlyList<string> clientEvents)
    {
        JsonElement[] ours = lines.Select(static l => JsonDocument.Parse(l).RootElement.Clone())
            .Where(l => l.GetProperty("server").GetProperty("port").GetInt32() == exchange.Port).ToArray();
        JsonElement line = Assert.Single(ours);
        Assert.Equal(2, line.GetProperty("correlation").GetProperty("sides").GetInt32());
        Assert.Equal("closed", line.GetProperty("correlation").GetProperty("state").GetString());
        JsonElement client = line.GetProperty("client"), server = line.GetProperty("server");
        Assert.Equal(clientHost, client.GetProperty("host").GetProperty("name").GetString());
        Assert.Equal(serverHost, server.GetProperty("host").GetProperty("name").GetString());
        Assert.Equal(exchange.ClientPort, client.GetProperty("port").GetInt32());
        // The agents write the default profile: process.args, no process.command_line (correlate passes on what it gets).
        Assert.Contains(exchange.ClientMarker, client.GetProperty("process").GetProperty("args").EnumerateArray().Select(static a => a.GetString()));
        Assert.Contains(exchange.ServerMarker, AgentLines.Args(server));
        Assert.Equal("python3", server.GetProperty("process").GetProperty("name").GetString());
        Assert.Equal(CrossHostExchange.ClientBytes, client.GetProperty("bytes").GetInt64());
        Assert.Equal(CrossHostExchange.ServerBytes, server.GetProperty("bytes").GetInt64());

        // Opened/closed match what each agent saw of its end: within one collection interval and the scheduling slack.
        long start = Time(line.GetProperty("event").GetProperty("start"));
        long end = Time(line.GetProperty("event").GetProperty("end"));
        Assert.Equal(end - start, line.GetProperty("event").GetProperty("duration").GetInt64());
        foreach (IReadOnlyList<string> events in new[] { serverEvents, clientEvents })
        {
            JsonElement closed = events.Select(static l => JsonDocument.Parse(l).RootElement)
                .Single(l => l.GetProperty("event").GetProperty("action").GetString() == "closed"
                             && l.TryGetProperty("network", out JsonElement n) && n.TryGetProperty("community_id", out _)
                             && (AgentLines.LocalPort(l) == exchange.ClientPort || AgentLines.RemotePort(l) == exchange.ClientPort));
            Assert.InRange(Time(closed.GetProperty("event").GetProperty("start")) - start, 0, 1_000_000_000L);
            Assert.InRange(end - Time(closed.GetProperty("event").GetProperty("end")), 0, 1_000_000_000L);
        }
        Assert.InRange(end - start, 1_000_000_000L, 10_000_000_000L); // the scripts keep it open for over a second
        return line;
    }

    private static long Time(JsonElement value) => (value.GetDateTimeOffset().UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>
    /// Two namespaces as two hosts, an agent in each writing to its file (with <paramref name="agentArgs"/>), the
    /// exchange between them, and both agents stopped (exit 0) once each reported the connection closed.
    /// </summary>
    private (CrossHostExchange Exchange, string ServerHost, string ClientHost, string ServerFile, string ClientFile) RecordTwoHosts(
        string prefix, Func<TestNetns, CrossHostExchange> run, params string[] agentArgs)
    {
        using var namespaces = TestNetns.Create(prefix, 2, veth: true).HoldConnection();
        string suffix = Guid.NewGuid().ToString("N")[..6];
        string serverHost = $"{prefix}-db-{suffix}", clientHost = $"{prefix}-web-{suffix}";
        string serverFile = Path.Combine(_work.FullName, "server.jsonl"), clientFile = Path.Combine(_work.FullName, "client.jsonl");
        CrossHostExchange exchange;
        using (DaemonProcess serverAgent = StartAgent(namespaces.NameA, serverHost, _work, [.. agentArgs, "--output", "file", "--file-path", serverFile]))
        using (DaemonProcess clientAgent = StartAgent(namespaces.NameB, clientHost, _work, [.. agentArgs, "--output", "file", "--file-path", clientFile]))
        {
            // Both agents are up once their snapshot (TestNetns' own connection) is in the files.
            WaitUntil(() => ReadShared(serverFile).Any() && ReadShared(clientFile).Any(), "the agents' snapshots");
            exchange = run(namespaces);
            WaitForClose(() => ReadShared(serverFile), exchange.Port, "the server's agent");
            WaitForClose(() => ReadShared(clientFile), exchange.Port, "the client's agent");
            Assert.Equal(0, serverAgent.Terminate(TimeSpan.FromSeconds(20)));
            Assert.Equal(0, clientAgent.Terminate(TimeSpan.FromSeconds(20)));
        }
        return (exchange, serverHost, clientHost, serverFile, clientFile);
    }

    [Fact]
    public void Two_agents_files_give_one_line_per_connection_naming_both_processes_even_when_fed_twice()
    {
        Assert.SkipWhen(TestNetns.Unavailable() is not null, TestNetns.Unavailable() ?? "");
        (CrossHostExchange exchange, string serverHost, string clientHost, string serverFile, string clientFile) =
            RecordTwoHosts("e2e", CrossHostExchange.Run);

        string[] serverEvents = [.. ReadShared(serverFile)], clientEvents = [.. ReadShared(clientFile)];
        AgentProcess.Result once = AgentProcess.Run("correlate", clientFile, serverFile);
        Assert.True(once.ExitCode == 0, once.StandardError);
        JsonElement line = AssertOneLine(once.Lines, exchange, serverHost, clientHost, serverEvents, clientEvents);
        Assert.Contains("0 invalid", once.StandardError, StringComparison.Ordinal);
        // The only other line may be TestNetns' own connection (still open at the end of the files), once.
        Assert.All(once.Lines.Select(static l => JsonDocument.Parse(l).RootElement.GetProperty("network").GetProperty("community_id").GetString())
            .GroupBy(static id => id), static g => Assert.Single(g));

        // Every line twice, the files twice: the same output.
        AgentProcess.Result twice = AgentProcess.Run("correlate", clientFile, serverFile, serverFile, clientFile);
        Assert.True(twice.ExitCode == 0, twice.StandardError);
        Assert.Equal(once.Lines, twice.Lines);
        Assert.Equal(line.GetRawText(), JsonDocument.Parse(twice.Lines.Single(l => l.Contains(exchange.ServerMarker, StringComparison.Ordinal))).RootElement.GetRawText());

        // The table names both ends too.
        AgentProcess.Result table = AgentProcess.Run("correlate", "--table", clientFile, serverFile);
        string row = Assert.Single(table.Lines, l => l.Contains($":{exchange.Port} ", StringComparison.Ordinal));
        Assert.Contains(clientHost, row, StringComparison.Ordinal);
        Assert.Contains(serverHost, row, StringComparison.Ordinal);
        Assert.Contains(CrossHostExchange.ServerBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), row, StringComparison.Ordinal);
    }

    /// <summary>
    /// A UDP exchange between the two hosts, each agent tracing with eBPF: the flow lines of both ends join into one
    /// line naming both processes, with the bytes each way that the processes read. The client's socket is connected:
    /// an unconnected one bound to the wildcard has no local address of its own (the kernel picks one per datagram),
    /// so its flow lines say 0.0.0.0 and carry no community id to join on.
    /// </summary>
    [Fact]
    public void Udp_flows_of_two_agents_give_one_line_naming_both_processes_with_the_bytes_each_way()
    {
        SocketAgent.Tests.Tracing.TracingAgent.RequireRoot();
        Assert.SkipWhen(TestNetns.Unavailable() is not null, TestNetns.Unavailable() ?? "");
        // The flows end with the sockets' release, when the scripts exit.
        (CrossHostExchange exchange, string serverHost, string clientHost, string serverFile, string clientFile) =
            RecordTwoHosts("e2u", CrossHostExchange.RunUdp, "--source", "ebpf");

        string[] serverEvents = [.. ReadShared(serverFile)], clientEvents = [.. ReadShared(clientFile)];
        AgentProcess.Result result = AgentProcess.Run("correlate", clientFile, serverFile);
        Assert.True(result.ExitCode == 0, result.StandardError);
        JsonElement line = AssertOneLine(result.Lines, exchange, serverHost, clientHost, serverEvents, clientEvents);
        Assert.Equal("udp", line.GetProperty("network").GetProperty("transport").GetString());
    }

    [Fact]
    public void Bad_lines_are_one_warning_and_a_missing_file_or_no_input_is_a_clear_error()
    {
        string bad = Path.Combine(_work.FullName, "bad.jsonl");
        File.WriteAllText(bad, "not json\n{\"half\":\n");
        AgentProcess.Result result = AgentProcess.Run("correlate", bad);
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Single(result.StandardError.Split('\n'), static l => l.Contains("warning", StringComparison.Ordinal));
        Assert.Contains("2 invalid", result.StandardError, StringComparison.Ordinal);

        AgentProcess.Result missing = AgentProcess.Run("correlate", Path.Combine(_work.FullName, "nope.jsonl"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.jsonl", missing.StandardError, StringComparison.Ordinal);

        Assert.Equal(2, AgentProcess.Run("correlate").ExitCode);
        Assert.Equal(2, AgentProcess.Run("correlate", "--wait", "soon", bad).ExitCode);
    }

    internal static void WaitUntil(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(100);
        }
    }
}
