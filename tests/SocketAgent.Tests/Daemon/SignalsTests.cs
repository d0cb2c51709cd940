using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Tests.Deployment;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The daemon and the signals operators send it, on the real binary: SIGHUP reloads what can change (a filter, in
/// later lines), names what cannot, keeps the running settings when the new file is refused, and reopens the file
/// output after logrotate's rename with every sequence exactly once across the two files; SIGUSR1 and the other
/// default-fatal signals no longer kill it; a reader that closes stdout ends it with exit 0. Snapshots over netlink
/// (no eBPF tracer): what the signals do does not depend on the source, and the tracer's host-wide stream would
/// make the daemons' cycles as slow as the busiest process on the machine.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SignalsTests : IDisposable
{
    // Generous: the machine running the tests may be busy; what is waited for comes within a second when it is not.
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-signals-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string State => Path.Combine(_dir.FullName, "state");

    private string WriteConfig(string text)
    {
        string path = Path.Combine(_dir.FullName, "agent.yaml");
        // Replaced whole (rename), as an editor or a configuration manager does: the agent never reads half a file.
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    /// <summary>Two heartbeats: the second comes from a cycle that started after this call, so a SIGHUP sent before is served.</summary>
    private static void WaitTwoHeartbeats(DaemonProcess agent)
    {
        agent.WaitForLine(static l => l.Contains("\"heartbeat\""), s_wait);
        agent.WaitForLine(static l => l.Contains("\"heartbeat\""), s_wait);
    }

    private static (Socket Client, Socket Server) Connect(Socket listener)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        return (client, listener.Accept());
    }

    private static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return listener;
    }

    private static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    [Fact]
    public void SIGHUP_with_a_changed_filter_applies_it_to_the_lines_that_follow()
    {
        using Socket first = Listen(), second = Listen();
        int firstPort = PortOf(first), secondPort = PortOf(second);
        string config = WriteConfig($"interval: 200ms\nheartbeat: 500ms\nfilters:\n  include:\n    local_ports: [\"{firstPort}\"]\n");
        using DaemonProcess agent = DaemonProcess.Start(["--config", config, "--state-dir", State, "-t", "--source", "netlink"]);
        var sockets = new List<Socket>();
        try
        {
            agent.WaitForLine(static l => l.Contains("\"heartbeat\""), s_wait);
            // Before the reload: a connection to the second listener is outside the filter.
            (Socket beforeClient, Socket beforeServer) = Connect(second);
            sockets.AddRange([beforeClient, beforeServer]);
            int beforePort = PortOf(beforeClient);
            WaitTwoHeartbeats(agent);

            WriteConfig($"interval: 200ms\nheartbeat: 500ms\nfilters:\n  include:\n    local_ports: [\"{secondPort}\"]\n");
            agent.Signal("HUP");
            WaitTwoHeartbeats(agent);

            (Socket afterClient, Socket afterServer) = Connect(second);
            (Socket oldClient, Socket oldServer) = Connect(first);
            sockets.AddRange([afterClient, afterServer, oldClient, oldServer]);
            int afterPort = PortOf(afterClient), oldPort = PortOf(oldClient);
            agent.WaitForLine(l => l.Contains("\"opened\"") && Matches(l, secondPort, afterPort), s_wait);
            WaitTwoHeartbeats(agent);
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));

            List<JsonElement> lines = [.. agent.AllLines.Select(static l => JsonDocument.Parse(l).RootElement.Clone())];
            // The old filter was in effect: the first listener was in the snapshot, the second connection was not reported.
            Assert.Contains(lines, d => Str(d, "event.action") == "snapshot" && LocalPort(d) == firstPort);
            Assert.DoesNotContain(lines, d => RemotePort(d) == beforePort || LocalPort(d) == beforePort);
            // The new one after the SIGHUP: the second listener's new connection is, the first listener's is not.
            Assert.Contains(lines, d => Str(d, "event.action") == "opened" && LocalPort(d) == secondPort && RemotePort(d) == afterPort);
            Assert.DoesNotContain(lines, d => RemotePort(d) == oldPort || LocalPort(d) == oldPort);
            Assert.Contains("SIGHUP: configuration reloaded; settings changed: filters.include.local_ports", agent.StandardError);
            Assert.DoesNotContain("change only at a restart", agent.StandardError);
        }
        finally
        {
            sockets.ForEach(static s => s.Dispose());
        }
    }

    private static bool Matches(string line, int localPort, int remotePort)
    {
        JsonElement d = JsonDocument.Parse(line).RootElement;
        return LocalPort(d) == localPort && RemotePort(d) == remotePort;
    }

    [Fact]
    public void SIGHUP_reloads_when_the_agent_was_started_with_SIGHUP_ignored()
    {
        // nohup (or any parent that ignores SIGHUP) hands the agent an ignored SIGHUP across exec; the runtime alone
        // would leave it ignored, and the reload would never run.
        ToolRun.Result inherited = ToolRun.Run("nohup", ["cat", "/proc/self/status"], TimeSpan.FromSeconds(10));
        Assert.True(Ignores(inherited.StandardOutput, signal: 1), "nohup should hand on an ignored SIGHUP: " + inherited);
        string config = WriteConfig("interval: 200ms\nheartbeat: 500ms\n");
        using DaemonProcess agent = DaemonProcess.Start(["--config", config, "--state-dir", State, "-t", "--source", "netlink"], launcher: ["nohup"]);
        agent.WaitForLine(static l => l.Contains("\"heartbeat\""), s_wait);

        WriteConfig("interval: 300ms\nheartbeat: 500ms\n");
        agent.Signal("HUP");
        WaitTwoHeartbeats(agent);
        Assert.False(agent.HasExited);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));
        Assert.Contains("SIGHUP: configuration reloaded; settings changed: interval", agent.StandardError);
    }

    /// <summary>Whether the SigIgn mask of a /proc/PID/status text has <paramref name="signal"/>'s bit.</summary>
    private static bool Ignores(string status, int signal)
    {
        string line = status.Split('\n').Single(static l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return ((mask >> (signal - 1)) & 1) != 0;
    }

    [Fact]
    public void SIGHUP_names_settings_that_need_a_restart_and_keeps_running_when_the_new_file_is_refused()
    {
        // The state directory in the file: on the command line it would override the file's new value.
        string config = WriteConfig($"interval: 200ms\nheartbeat: 500ms\nstate_dir: {State}\n");
        using DaemonProcess agent = DaemonProcess.Start(["--config", config, "-t", "--source", "netlink"]);
        agent.WaitForLine(static l => l.Contains("\"heartbeat\""), s_wait);

        // A reloadable change and two that are not: the interval changes, the state directory and the outputs stay.
        WriteConfig($"interval: 300ms\nheartbeat: 500ms\nstate_dir: {Path.Combine(_dir.FullName, "elsewhere")}\noutputs: [stdout, file]\nfile:\n  path: {Path.Combine(_dir.FullName, "never.jsonl")}\n");
        agent.Signal("HUP");
        WaitTwoHeartbeats(agent);

        // Not a configuration at all: refused, and the agent goes on with what it runs.
        WriteConfig("interval: [\n");
        agent.Signal("HUP");
        WaitTwoHeartbeats(agent);
        Assert.False(agent.HasExited);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));

        string[] stderr = agent.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string kept = Assert.Single(stderr, static l => l.Contains("change only at a restart", StringComparison.Ordinal));
        Assert.EndsWith("keep their running value: state_dir, outputs, file.path", kept);
        Assert.Single(stderr, static l => l.Contains("SIGHUP: configuration reloaded; settings changed: interval", StringComparison.Ordinal));
        string refused = Assert.Single(stderr, static l => l.Contains("SIGHUP: the configuration was refused", StringComparison.Ordinal));
        Assert.Contains("agent.yaml", refused);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "never.jsonl")));
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "elsewhere")));
    }

    [Fact]
    public void SIGHUP_after_logrotate_renamed_the_file_output_writes_a_new_file_and_every_sequence_lands_once()
    {
        string path = Path.Combine(_dir.FullName, "events.jsonl");
        using DaemonProcess agent = DaemonProcess.Start(["--output", "file", "--file-path", path, "--interval", "200ms",
            "--heartbeat", "500ms", "--state-dir", State, "-t", "--source", "netlink"]);
        WaitForFile(path, static text => text.Contains("\"heartbeat\"", StringComparison.Ordinal));

        // logrotate without copytruncate: rename, then the postrotate signal.
        File.Move(path, path + ".1");
        agent.Signal("HUP");
        WaitForFile(path, static text => text.Split('\n').Count(static l => l.Contains("\"heartbeat\"", StringComparison.Ordinal)) >= 2);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));

        long[] rotated = Sequences(path + ".1"), current = Sequences(path);
        Assert.NotEmpty(rotated);
        Assert.NotEmpty(current);
        long[] all = [.. rotated, .. current];
        Assert.Equal(Enumerable.Range(1, all.Length).Select(static i => (long)i), all);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.Empty(agent.AllLines);
    }

    private static void WaitForFile(string path, Func<string, bool> predicate)
    {
        DateTime deadline = DateTime.UtcNow + s_wait;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path) && predicate(File.ReadAllText(path)))
            {
                return;
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"{path} did not get the expected lines in {s_wait}");
    }

    private static long[] Sequences(string path) =>
        [.. File.ReadAllLines(path).Select(static l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetProperty("sequence").GetInt64())];

    [Fact]
    public void SIGUSR1_SIGUSR2_SIGALRM_and_SIGPIPE_do_not_stop_the_daemon()
    {
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--heartbeat", "500ms", "--state-dir", State, "-t", "--source", "netlink"]);
        agent.WaitForLine(static l => l.Contains("\"heartbeat\""), s_wait);
        foreach (string signal in new[] { "USR1", "USR2", "ALRM", "PIPE" })
        {
            agent.Signal(signal);
        }
        WaitTwoHeartbeats(agent);

        Assert.False(agent.HasExited);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));
        Assert.Contains("SIGUSR1 ignored", agent.StandardError);
        Assert.Contains("SIGUSR2 ignored", agent.StandardError);
        Assert.Contains("SIGALRM ignored", agent.StandardError);
        long[] sequences = [.. agent.AllLines.Select(static l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetProperty("sequence").GetInt64())];
        Assert.Equal(Enumerable.Range(1, sequences.Length).Select(static i => (long)i), sequences);
    }

    [Fact]
    public async Task A_reader_that_closes_stdout_stops_the_daemon_with_exit_0_and_no_error()
    {
        var info = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("dotnet \"$1\" --interval 200ms --heartbeat 500ms --source netlink --state-dir \"$2\" | head -n 1 > /dev/null; echo \"agent=${PIPESTATUS[0]}\"");
        info.ArgumentList.Add("bash");
        info.ArgumentList.Add(AgentProcess.AssemblyPath);
        info.ArgumentList.Add(State);
        using Process bash = Process.Start(info)!;
        CancellationToken cancel = TestContext.Current.CancellationToken;
        Task<string> stderrTask = bash.StandardError.ReadToEndAsync(cancel);
        string stdout = await bash.StandardOutput.ReadToEndAsync(cancel);
        if (!bash.WaitForExit(60_000))
        {
            bash.Kill(entireProcessTree: true);
            Assert.Fail("the daemon did not stop after its reader went away");
        }
        string stderr = await stderrTask;

        Assert.Equal("agent=0", stdout.Trim());
        Assert.Contains("stdout was closed by its reader: stopping", stderr);
        Assert.DoesNotContain("Exception", stderr);
        Assert.DoesNotContain("error", stderr);
    }
}
