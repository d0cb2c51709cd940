using System.Diagnostics;
using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// The capability table of deploy/README.md, measured: the agent runs as an unprivileged uid holding exactly the
/// documented capabilities as ambient ones (what the systemd unit gives it) and must see what root sees — a
/// root-owned socket's process, a socket in another network namespace — and, with one capability removed, loses
/// exactly what the table says, with the warning the table quotes. Destroy notifications need no capability.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CapabilityTests : IDisposable
{
    private const int Nobody = 65534;
    private const string ListenerScript =
        "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";

    private readonly string _netns = $"sa-cap-{Environment.ProcessId}-{Random.Shared.Next(100_000)}";
    private readonly List<Process> _holders = [];
    private bool _netnsCreated;

    [Fact]
    public void With_the_documented_capabilities_an_unprivileged_agent_sees_what_root_sees()
    {
        SkipUnlessRoot();
        (Process rootOwned, int rootPort) = StartListener(inNetns: false);
        (Process inOtherNetns, int otherPort) = StartListener(inNetns: true);

        AgentProcess.Result result = RunOnceAsNobody(RepositoryFiles.DocumentedCapabilities);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        var lines = new AgentLines(result.Lines);
        JsonElement root = SingleListener(lines, rootPort, netnsName: null);
        Assert.Equal(rootOwned.Id, Num(root, "process.pid"));
        // A root process holding a root socket: its user is the socket's, so no process.user (written only where they differ).
        Assert.Equal("0", Str(root, "user.id"));
        Assert.Null(Get(root, "process.user"));
        Assert.NotNull(Str(root, "process.executable"));
        JsonElement other = SingleListener(lines, otherPort, _netns);
        Assert.Equal(inOtherNetns.Id, Num(other, "process.pid"));
        Assert.DoesNotContain("could not enter", result.StandardError);
    }

    [Theory]
    [InlineData("SYS_PTRACE")]
    [InlineData("DAC_READ_SEARCH")]
    public void Without_either_proc_capability_other_users_sockets_are_listed_without_their_process(string removed)
    {
        SkipUnlessRoot();
        (_, int rootPort) = StartListener(inNetns: false);

        AgentProcess.Result result = RunOnceAsNobody(RepositoryFiles.DocumentedCapabilities.Where(c => c != removed));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        JsonElement root = SingleListener(new AgentLines(result.Lines), rootPort, netnsName: null);
        Assert.Null(Num(root, "process.pid"));
        Assert.Equal("0", Str(root, "user.id"));
        Assert.Matches(@"socket-agent: warning: \d+ of \d+ sockets could not be attributed to a process: \d+ processes' /proc/<pid>/fd could not be read", result.StandardError);
    }

    [Fact]
    public void Without_sys_admin_other_network_namespaces_are_named_on_stderr_and_skipped()
    {
        SkipUnlessRoot();
        (Process rootOwned, int rootPort) = StartListener(inNetns: false);
        (_, int otherPort) = StartListener(inNetns: true);

        AgentProcess.Result result = RunOnceAsNobody(RepositoryFiles.DocumentedCapabilities.Where(static c => c != "SYS_ADMIN"));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        var lines = new AgentLines(result.Lines);
        Assert.Equal(rootOwned.Id, Num(SingleListener(lines, rootPort, netnsName: null), "process.pid"));
        Assert.DoesNotContain(lines.Where("tcp"), d => LocalPort(d) == otherPort && Str(d, "netns.name") == _netns);
        Assert.Matches($@"could not enter \d+ network namespaces? \(needs CAP_SYS_ADMIN\): [^\n]*{_netns}", result.StandardError);
    }

    [Fact]
    public async Task Destroy_notifications_need_no_capability()
    {
        SkipUnlessRoot();
        // A closed event with seen_open false comes from sock_diag's destroy multicast group (the connection lived
        // between two collections), which an unprivileged process with no capability at all may join. Five
        // connections of a few ms each: at least one falls between two cycles of 2 s.
        using Process agent = Process.Start(AsNobody([], "--interval", "2s", "--state-dir", StateDirectory(), "-t"))!;
        try
        {
            CancellationToken cancel = TestContext.Current.CancellationToken;
            Task<string> stderr = agent.StandardError.ReadToEndAsync(cancel);
            string? first = await agent.StandardOutput.ReadLineAsync(cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancel);
            Assert.NotNull(first);
            await Task.Delay(500, cancel); // the rest of the snapshot, and the destroy subscription, are in place

            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            for (int i = 0; i < 5; i++)
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancel);
                using System.Net.Sockets.TcpClient server = await listener.AcceptTcpClientAsync(cancel);
            }

            DateTime deadline = DateTime.UtcNow.AddSeconds(15);
            bool seen = false;
            while (!seen && DateTime.UtcNow < deadline)
            {
                string? line = await agent.StandardOutput.ReadLineAsync(cancel).AsTask().WaitAsync(deadline - DateTime.UtcNow, cancel);
                if (line is null)
                {
                    break;
                }
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement d = doc.RootElement;
                seen = Str(d, "event.action") == "closed" && (LocalPort(d) == port || RemotePort(d) == port)
                    && Get(d, "socket.seen_open") is { ValueKind: JsonValueKind.False };
            }
            agent.Kill();
            Assert.True(seen, "no closed event from the destroy notification; stderr: " + await stderr);
            Assert.DoesNotContain("destroy events unavailable", await stderr);
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill();
            }
        }
    }

    [Fact]
    public async Task With_bpf_and_perfmon_an_unprivileged_agent_traces_connections_with_their_owners()
    {
        SkipUnlessRoot();
        // Without SYS_ADMIN, which implies both BPF and PERFMON (bpf_capable(), perfmon_capable()): the host-namespace
        // deployment's set. The connection is made by this root-owned test process.
        string[] capabilities = [.. RepositoryFiles.DocumentedCapabilities.Where(static c => c != "SYS_ADMIN")];
        using Process agent = Process.Start(AsNobody(capabilities, "--source", "ebpf", "--interval", "1s", "--heartbeat", "1s",
            "--state-dir", StateDirectory(), "-t"))!;
        try
        {
            CancellationToken cancel = TestContext.Current.CancellationToken;
            Task<string> stderr = agent.StandardError.ReadToEndAsync(cancel);
            string? first = await agent.StandardOutput.ReadLineAsync(cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancel);
            string error = first is null ? await stderr : "";
            Assert.SkipWhen(error.Contains("has no BPF object", StringComparison.Ordinal) || error.Contains("has no BTF", StringComparison.Ordinal),
                "this build or kernel has no eBPF source: " + error);
            Assert.True(first is not null, "the agent exited: " + error);
            await Task.Delay(500, cancel);

            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            using (var client = new System.Net.Sockets.TcpClient())
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancel);
                using System.Net.Sockets.TcpClient server = await listener.AcceptTcpClientAsync(cancel);
            }

            DateTime deadline = DateTime.UtcNow.AddSeconds(15);
            bool tracedOpen = false, tracedSource = false;
            while (!(tracedOpen && tracedSource) && DateTime.UtcNow < deadline)
            {
                string? line = await agent.StandardOutput.ReadLineAsync(cancel).AsTask().WaitAsync(deadline - DateTime.UtcNow, cancel);
                if (line is null)
                {
                    break;
                }
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement d = doc.RootElement;
                tracedSource |= Str(d, "heartbeat.source") == "ebpf+netlink";
                // The client end, owned by this (root) process, reported at ESTABLISHED with its arguments (the
                // process's user is process.user only where it differs from the socket's user).
                tracedOpen |= Str(d, "event.action") == "opened" && RemotePort(d) == port
                    && Num(d, "process.pid") == Environment.ProcessId && (Str(d, "process.user.id") ?? Str(d, "user.id")) == "0"
                    && Args(d) is { Length: > 0 };
            }
            agent.Kill();
            string log = await stderr;
            Assert.True(tracedSource, "the heartbeat never said ebpf+netlink; stderr: " + log);
            Assert.True(tracedOpen, "no traced opened event with its root-owned process; stderr: " + log);
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill();
            }
        }
    }

    [Theory]
    [InlineData("BPF")]
    [InlineData("PERFMON")]
    public void Without_bpf_or_perfmon_the_ebpf_source_is_refused_and_auto_falls_back_to_netlink(string removed)
    {
        SkipUnlessRoot();
        string[] capabilities = [.. RepositoryFiles.DocumentedCapabilities.Where(c => c != "SYS_ADMIN" && c != removed)];

        AgentProcess.Result ebpf = RunAsNobody(capabilities, "--source", "ebpf", "--interval", "1s", "--state-dir", StateDirectory(), "-t");
        Assert.SkipWhen(ebpf.StandardError.Contains("has no BPF object", StringComparison.Ordinal), "this build has no eBPF source");
        Assert.Equal(1, ebpf.ExitCode);
        Assert.Contains("socket-agent: error: --source ebpf: the kernel refused to load BPF programs", ebpf.StandardError);
        Assert.Contains("CAP_BPF and CAP_PERFMON (or root) are needed", ebpf.StandardError);

        // auto: one notice, then the daemon runs on netlink (it is stopped by the timeout of RunAsNobody's caller).
        AgentProcess.Result auto = RunAsNobody(capabilities, "--interval", "1s", "--heartbeat", "1s", "--state-dir", StateDirectory(), "-t");
        Assert.Contains("socket-agent: notice: eBPF source unavailable, using netlink only:", auto.StandardError);
        Assert.Contains(auto.StandardOutput.Split('\n'), static l => l.Contains("\"source\":\"netlink\"", StringComparison.Ordinal));
    }

    /// <summary>The daemon as nobody for at most 8 s (SIGKILL then): what it wrote and how it ended.</summary>
    private static AgentProcess.Result RunAsNobody(IEnumerable<string> capabilities, params string[] args)
    {
        using Process agent = Process.Start(AsNobody(capabilities, args))!;
        agent.StandardInput.Close();
        Task<string> stderr = agent.StandardError.ReadToEndAsync();
        Task<string> stdout = agent.StandardOutput.ReadToEndAsync();
        if (!agent.WaitForExit(8_000))
        {
            agent.Kill(entireProcessTree: true);
            agent.WaitForExit();
        }
        return new AgentProcess.Result(agent.HasExited ? agent.ExitCode : -1, stdout.Result, stderr.Result);
    }

    private static void SkipUnlessRoot()
    {
        Assert.SkipUnless(Environment.UserName == "root", "running the agent as another uid with chosen capabilities needs root");
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "setpriv (util-linux) is not installed");
    }

    private static JsonElement SingleListener(AgentLines lines, int port, string? netnsName) =>
        Assert.Single(lines.Where("tcp"), d => LocalPort(d) == port && Str(d, "socket.state") == "LISTEN"
            && LocalIp(d) == "127.0.0.1" && Str(d, "netns.name") == netnsName);

    private AgentProcess.Result RunOnceAsNobody(IEnumerable<string> capabilities)
    {
        using Process agent = Process.Start(AsNobody(capabilities, "--once", "-t", "--netns", "all"))!;
        agent.StandardInput.Close();
        Task<string> stderr = agent.StandardError.ReadToEndAsync();
        string stdout = agent.StandardOutput.ReadToEnd();
        if (!agent.WaitForExit(60_000))
        {
            agent.Kill();
            throw new TimeoutException("socket-agent --once did not finish");
        }
        return new AgentProcess.Result(agent.ExitCode, stdout, stderr.Result);
    }

    /// <summary>
    /// setpriv as the systemd unit does it: another uid, no groups, and the capabilities as ambient ones (kept
    /// across exec of a binary without file capabilities — the JIT host or the native binary alike).
    /// </summary>
    private static ProcessStartInfo AsNobody(IEnumerable<string> capabilities, params string[] args)
    {
        string caps = string.Concat(capabilities.Select(static c => ",+" + c.ToLowerInvariant()));
        string? native = Environment.GetEnvironmentVariable("SOCKET_AGENT_BIN");
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--inh-caps=-all" + caps, "--ambient-caps=-all" + caps, "--",
        })
        {
            info.ArgumentList.Add(arg);
        }
        if (string.IsNullOrEmpty(native))
        {
            info.ArgumentList.Add("dotnet");
            info.ArgumentList.Add(AgentProcess.AssemblyPath);
        }
        else
        {
            info.ArgumentList.Add(native);
        }
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = "/tmp";
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        return info;
    }

    private string StateDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"{_netns}-state");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        return Path.Combine(dir, "state");
    }

    /// <summary>A root-owned python process listening on 127.0.0.1, in this namespace or in a fresh named one.</summary>
    private (Process Process, int Port) StartListener(bool inNetns)
    {
        ProcessStartInfo info;
        if (inNetns)
        {
            if (!_netnsCreated)
            {
                Ip("netns", "add", _netns);
                _netnsCreated = true;
                Ip("-n", _netns, "link", "set", "lo", "up");
            }
            info = new ProcessStartInfo("ip") { ArgumentList = { "netns", "exec", _netns, "/usr/bin/python3", "-c", ListenerScript } };
        }
        else
        {
            info = new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { "-c", ListenerScript } };
        }
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.UseShellExecute = false;
        Process process = Process.Start(info)!;
        _holders.Add(process);
        return (process, int.Parse(process.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using Process ip = Process.Start(info)!;
        string error = ip.StandardError.ReadToEnd();
        ip.WaitForExit();
        Assert.True(ip.ExitCode == 0, $"ip {string.Join(' ', args)}: {error}");
    }

    public void Dispose()
    {
        foreach (Process holder in _holders)
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(5000))
            {
                holder.Kill();
            }
            holder.Dispose();
        }
        if (_netnsCreated)
        {
            Ip("netns", "del", _netns);
        }
        string state = Path.Combine(Path.GetTempPath(), $"{_netns}-state");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
