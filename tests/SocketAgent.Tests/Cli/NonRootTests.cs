using System.Diagnostics;
using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Cli;

/// <summary>
/// Without root, the agent still lists every socket (sock_diag needs no privilege), attributes the sockets of
/// processes it may inspect, and says once on stderr how many stayed unattributed — as netstat warns.
/// </summary>
public sealed class NonRootTests : IClassFixture<LiveSockets>
{
    private const int Nobody = 65534;
    private readonly LiveSockets _live;

    public NonRootTests(LiveSockets live) => _live = live;

    private static ProcessStartInfo AsNobody(string program)
    {
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--", program })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = "/tmp";
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        return info;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_daemon_as_nobody_says_what_it_cannot_see_once_on_stderr_and_counts_it_in_the_heartbeat()
    {
        Assert.SkipUnless(Environment.UserName == "root", "switching to the nobody user needs root");
        DirectoryInfo state = Directory.CreateTempSubdirectory("socket-agent-nonroot-daemon-");
        try
        {
            File.SetUnixFileMode(state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            string[] launcher = ["setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--"];
            using var agent = SocketAgent.Tests.Daemon.DaemonProcess.Start(
                ["--interval", "200ms", "--heartbeat", "300ms", "--state-dir", Path.Combine(state.FullName, "state"), "-t"],
                new Dictionary<string, string> { ["HOME"] = "/tmp" }, launcher);
            using var churn = new LoopbackChurn();
            // Sockets come and go, so the count of unattributed ones changes every few cycles.
            for (int i = 0; i < 8; i++)
            {
                churn.Cycle(connections: 5 + i);
            }
            string heartbeat = agent.WaitForLine(static l => l.Contains("\"action\":\"heartbeat\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));

            string[] unattributed = agent.StandardError.Split('\n').Where(static l => l.Contains("could not be attributed", StringComparison.Ordinal)).ToArray();
            string warning = Assert.Single(unattributed); // once at start; a changed count again at most once a minute
            Assert.Contains("run as root", warning);
            long warnings = JsonDocument.Parse(heartbeat).RootElement.GetProperty("heartbeat").GetProperty("counters").GetProperty("warnings").GetInt64();
            Assert.True(warnings >= 1, $"counters.warnings {warnings}");
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task As_nobody_every_socket_is_listed_own_ones_attributed_and_the_rest_counted_once_on_stderr()
    {
        Assert.SkipUnless(Environment.UserName == "root", "switching to the nobody user needs root");

        // A process of nobody's own, holding a TCP listener: the agent running as nobody may read its fds.
        ProcessStartInfo pythonInfo = AsNobody("/usr/bin/python3");
        pythonInfo.ArgumentList.Add("-c");
        pythonInfo.ArgumentList.Add("import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()");
        using Process python = Process.Start(pythonInfo)!;
        try
        {
            int nobodysPort = int.Parse(python.StandardOutput.ReadLine()!);

            ProcessStartInfo agentInfo = AsNobody("dotnet");
            agentInfo.ArgumentList.Add(AgentProcess.AssemblyPath);
            agentInfo.ArgumentList.Add("--once");
            agentInfo.ArgumentList.Add("-t");
            using Process agent = Process.Start(agentInfo)!;
            CancellationToken cancel = TestContext.Current.CancellationToken;
            Task<string> stderrTask = agent.StandardError.ReadToEndAsync(cancel);
            string stdout = await agent.StandardOutput.ReadToEndAsync(cancel);
            Assert.True(agent.WaitForExit(60_000));
            string stderr = await stderrTask;
            Assert.Equal(0, agent.ExitCode);

            var lines = new AgentLines(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            // Root's socket (this test's listener) is listed, without an owner.
            JsonElement rootOwned = lines.SingleInet("tcp", "127.0.0.1", LiveSockets.PortOf(_live.TcpV4Listener), remotePort: 0);
            Assert.Null(Num(rootOwned, "process.pid"));
            Assert.Equal("0", Str(rootOwned, "user.id"));

            // Nobody's socket is attributed to nobody's process.
            JsonElement own = lines.SingleInet("tcp", "127.0.0.1", nobodysPort, remotePort: 0);
            Assert.Equal(python.Id, Num(own, "process.pid"));
            Assert.Equal("nobody", Str(own, "user.name"));

            string[] warnings = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string warning = Assert.Single(warnings, static w => w.Contains("could not be attributed"));
            Assert.Matches(@"^socket-agent: warning: \d+ of \d+ sockets could not be attributed to a process: \d+ processes", warning);
            Assert.Contains("run as root", warning);
        }
        finally
        {
            python.StandardInput.Close();
            if (!python.WaitForExit(5000))
            {
                python.Kill();
            }
        }
    }
}
