using System.Text.Json;
using SocketAgent.Cli.Hosting;
using SocketAgent.Tests.Encoders.Json;

namespace SocketAgent.Tests.Daemon;

/// <summary>The daemon as systemd runs it: a snapshot, then heartbeats; SIGTERM stops it cleanly; state survives restarts.</summary>
public sealed class DaemonTests : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "socket-agent-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Starts_with_the_snapshot_then_heartbeats_and_stops_on_SIGTERM_with_exit_code_0()
    {
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--heartbeat", "1s", "--state-dir", _stateDir]);

        string first = agent.WaitForLine(static _ => true, s_startTimeout);
        agent.WaitForLine(static line => Dataset(line) == "agent", s_startTimeout);
        agent.WaitForLine(static line => Dataset(line) == "agent", TimeSpan.FromSeconds(10));
        int exitCode = agent.Terminate(TimeSpan.FromSeconds(5));

        Assert.Equal(0, exitCode);
        Assert.True(agent.EndedWithNewline, "stdout ended in the middle of a line");
        IReadOnlyList<string> lines = agent.AllLines;
        Assert.Equal(first, lines[0]);

        // The full state first (every line schema-valid: action "snapshot", and the protocol counters), then
        // events and heartbeats.
        int firstHeartbeat = lines.ToList().FindIndex(static line => Dataset(line) == "agent");
        Assert.True(firstHeartbeat > 0, "no snapshot line before the first heartbeat");
        foreach (string line in lines)
        {
            SchemaValidator.AssertValid(line);
        }
        Assert.All(lines.Take(firstHeartbeat), static line =>
            Assert.Contains(Event(line).GetProperty("action").GetString(), (string[])["snapshot", "counters", "opened", "closed", "state_changed"]));
        Assert.Contains(lines.Take(firstHeartbeat), static line => Dataset(line) == "socket" && Event(line).GetProperty("action").GetString() == "snapshot");
        List<JsonElement> heartbeats = lines.Where(static line => Dataset(line) == "agent").Select(Parse).ToList();
        Assert.True(heartbeats.Count >= 2);
        foreach (JsonElement heartbeat in heartbeats)
        {
            Assert.Equal("heartbeat", heartbeat.GetProperty("event").GetProperty("action").GetString());
            Assert.True(Guid.TryParse(heartbeat.GetProperty("event").GetProperty("id").GetString(), out Guid id));
            Assert.Equal(7, id.Version);
        }

        // A fresh state directory: the sequence starts at 1 and has no gap, over every line.
        long[] sequences = lines.Select(static l => Parse(l).GetProperty("event").GetProperty("sequence").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, sequences.Length).Select(static i => (long)i), sequences);
        // Stopped cleanly: nothing reserved beyond the last line, so the next run continues without a gap.
        Assert.Equal((sequences[^1], sequences[^1]), SocketAgent.State.SequenceFile.Read(Path.Combine(_stateDir, "event-sequence")));
    }

    [Fact]
    public void A_restart_keeps_the_agent_id_changes_the_ephemeral_id_and_continues_the_sequence()
    {
        (string Id, string EphemeralId, long[] Sequences) first = RunUntilHeartbeats(2);
        (string Id, string EphemeralId, long[] Sequences) second = RunUntilHeartbeats(2);

        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.EphemeralId, second.EphemeralId);
        Assert.Equal(first.Sequences[^1] + 1, second.Sequences[0]);
        Assert.Equal(first.Id, File.ReadAllText(Path.Combine(_stateDir, "agent-id")).Trim());
    }

    [Fact]
    public void Stdout_has_only_json_lines_and_logs_go_to_stderr()
    {
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--heartbeat", "1s", "--state-dir", _stateDir]);
        agent.WaitForLine(static line => Dataset(line) == "agent", s_startTimeout);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(5)));

        foreach (string line in agent.AllLines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
        Assert.DoesNotContain("Application started", agent.StandardError);
    }

    [Fact]
    public void An_unwritable_state_directory_is_refused_at_start_naming_it()
    {
        // /proc refuses new directories even to root.
        string stateDir = "/proc/socket-agent-test/state";
        Infrastructure.AgentProcess.Result result = DaemonProcess.Run(["--interval", "200ms", "--state-dir", stateDir]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        string[] errors = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errors);
        Assert.StartsWith("socket-agent: error: ", errors[0]);
        Assert.Contains(stateDir, errors[0]);
    }

    [Fact]
    public void A_state_file_that_is_not_a_file_is_refused_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_stateDir, "agent-id"));
        AgentResult result = RunToEnd(["--interval", "200ms", "--state-dir", _stateDir]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.Combine(_stateDir, "agent-id"), result.Error);
    }

    private (string Id, string EphemeralId, long[] Sequences) RunUntilHeartbeats(int count)
    {
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--heartbeat", "500ms", "--state-dir", _stateDir]);
        for (int i = 0; i < count; i++)
        {
            agent.WaitForLine(static line => Dataset(line) == "agent", s_startTimeout);
        }
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(5)));

        List<JsonElement> heartbeats = agent.AllLines.Where(static line => Dataset(line) == "agent").Select(Parse).ToList();
        JsonElement agentFields = heartbeats[0].GetProperty("agent");
        // agent.version is the built assembly's (the one Directory.Build.props sets), on every line.
        Assert.All(agent.AllLines, static l => Assert.Equal(AgentVersion.Current, Parse(l).GetProperty("agent").GetProperty("version").GetString()));
        long[] sequences = agent.AllLines.Select(static l => Parse(l).GetProperty("event").GetProperty("sequence").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(0, sequences.Length).Select(i => sequences[0] + i), sequences);
        return (agentFields.GetProperty("id").GetString()!, agentFields.GetProperty("ephemeral_id").GetString()!, sequences);
    }

    private sealed record AgentResult(int ExitCode, string Error);

    private static AgentResult RunToEnd(string[] args)
    {
        Infrastructure.AgentProcess.Result result = DaemonProcess.Run(args);
        return new AgentResult(result.ExitCode, result.StandardError);
    }

    private static JsonElement Parse(string line)
    {
        using JsonDocument document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    private static JsonElement Event(string line) => Parse(line).GetProperty("event");

    private static string? Dataset(string line) =>
        Parse(line).TryGetProperty("event", out JsonElement e) && e.TryGetProperty("dataset", out JsonElement d) ? d.GetString() : null;

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }
}
