using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// <c>--once</c> and the daemon's first cycle are one collection path: every setting that changes what is reported
/// (source, netns, collect, host_name, redaction, filters) gives the same lines through both. A python child holds
/// the sockets compared (a TCP listener and a connection to it, a UDP socket) and has a secret on its command line.
/// Lines are compared on what a setting can change: which sockets, their addresses and state, the process and its
/// arguments, the netlink-only fields (cookie, tcp_info), host.name, the namespace; and which datasets appear.
/// </summary>
public sealed class OnceDaemonParityTests : IDisposable
{
    private const string Secret = "TOPSECRET42";
    private const string PatternSecret = "hunter77";
    private static readonly string s_holderScript = string.Join('\n',
        "import socket,sys",
        "l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen()",
        "c=socket.create_connection(l.getsockname()); a,_=l.accept()",
        "u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(('127.0.0.1',0))",
        "print(l.getsockname()[1],u.getsockname()[1],flush=True)",
        "sys.stdin.read()");

    private readonly string _directory = Directory.CreateTempSubdirectory("parity-").FullName;
    private readonly List<Process> _children = [];
    private TestNetns? _namespace;

    public static TheoryData<string, string> Settings => new()
    {
        { "defaults", "" },
        { "redaction flags and patterns", "redaction:\n  flags: [\"--zzvault\"]\n  patterns: [\"hunter[0-9]+\"]\n" },
        { "redaction off", "redaction:\n  enabled: false\n" },
        { "source procfs", "source: procfs\n" },
        { "source netlink", "source: netlink\n" },
        { "host_name", "host_name: parity-host\n" },
        { "collect transports", "collect:\n  transports: [udp]\n" },
        { "collect no routes, interfaces, statistics", "collect:\n  routes: false\n  interfaces: false\n  statistics: false\n" },
        { "filters exclude the listener's port", "filters:\n  exclude:\n    local_ports: [{listen_port}]\n" },
        { "filters include one transport and state", "filters:\n  include:\n    transports: [tcp]\n    states: [ESTABLISHED]\n" },
        { "filters drop_loopback", "filters:\n  drop_loopback: true\n" },
        { "filters exclude by command line", "filters:\n  exclude:\n    command_lines: [\"zzvault\"]\n" },
        { "netns named", "netns: {netns}\n" },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void A_setting_gives_the_same_lines_through_once_and_the_daemon(string name, string yaml)
    {
        Assert.SkipUnless(Environment.UserName == "root", "attributing another process's sockets and entering namespaces needs root");
        string? netnsPath = null;
        if (yaml.Contains("{netns}", StringComparison.Ordinal))
        {
            _namespace = TestNetns.Create("parity");
            netnsPath = _namespace.Path;
        }
        (int pid, int listenPort, int udpPort) = StartHolder(_namespace?.Name);
        string config = Path.Combine(_directory, "agent.yaml");
        File.WriteAllText(config, yaml
            .Replace("{listen_port}", listenPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{netns}", netnsPath ?? "", StringComparison.Ordinal));

        AgentProcess.Result once = DaemonProcess.Run(["--once", "--config", config]);
        Assert.True(once.ExitCode == 0, $"{name}: --once exit {once.ExitCode}: {once.StandardError}");
        IReadOnlyList<JsonElement> daemon = DaemonFirstCycle(config);
        var onceLines = new AgentLines(once.Lines).Documents;

        // Which datasets are there (collect.* and filters act on them).
        Assert.Equal(Datasets(onceLines), Datasets(daemon));

        // The holder's sockets, projected on what a setting can change.
        List<string> fromOnce = Projection(onceLines, pid);
        List<string> fromDaemon = Projection(daemon, pid);
        Assert.Equal(fromOnce, fromDaemon);

        // And the setting had the effect it is for: a check per case that would catch both paths ignoring it.
        string all = string.Join('\n', fromOnce);
        switch (name)
        {
            case "defaults":
            case "source netlink":
            case "netns named":
                Assert.Contains($"tcp 127.0.0.1:{listenPort}", all, StringComparison.Ordinal);
                Assert.Contains($"udp 127.0.0.1:{udpPort}", all, StringComparison.Ordinal);
                Assert.Contains("cookie tcp_info", all, StringComparison.Ordinal);
                Assert.Contains(Secret, all, StringComparison.Ordinal); // not a secret to the default rules
                break;
            case "redaction flags and patterns":
                Assert.DoesNotContain(Secret, all, StringComparison.Ordinal);
                Assert.DoesNotContain(PatternSecret, all, StringComparison.Ordinal);
                Assert.Contains("--zzvault [REDACTED]", all, StringComparison.Ordinal);
                Assert.DoesNotContain(Secret, once.StandardOutput, StringComparison.Ordinal);
                break;
            case "redaction off":
                Assert.Contains("--password=plain", all, StringComparison.Ordinal);
                break;
            case "source procfs":
                Assert.Contains($"tcp 127.0.0.1:{listenPort}", all, StringComparison.Ordinal);
                Assert.DoesNotContain("cookie", all, StringComparison.Ordinal);
                Assert.DoesNotContain("tcp_info", all, StringComparison.Ordinal);
                break;
            case "host_name":
                Assert.Contains("host parity-host", all, StringComparison.Ordinal);
                break;
            case "collect transports":
                Assert.DoesNotContain("tcp ", all, StringComparison.Ordinal);
                Assert.Contains($"udp 127.0.0.1:{udpPort}", all, StringComparison.Ordinal);
                break;
            case "collect no routes, interfaces, statistics":
                Assert.Equal(["socket"], Datasets(onceLines));
                break;
            case "filters exclude the listener's port":
                // The listener and the accepted end have it as their local port; the client end only as its remote one.
                Assert.DoesNotContain($"tcp 127.0.0.1:{listenPort}", all, StringComparison.Ordinal);
                Assert.Contains($"->127.0.0.1:{listenPort}", all, StringComparison.Ordinal);
                break;
            case "filters include one transport and state":
                Assert.All(fromOnce, line => Assert.Contains("ESTABLISHED", line, StringComparison.Ordinal));
                Assert.NotEmpty(fromOnce);
                break;
            case "filters drop_loopback":
                Assert.DoesNotContain("ESTABLISHED", all, StringComparison.Ordinal);
                Assert.Contains("LISTEN", all, StringComparison.Ordinal);
                break;
            case "filters exclude by command line":
                Assert.Empty(fromOnce);
                break;
        }
        if (netnsPath is not null)
        {
            Assert.All(fromOnce, line => Assert.Contains("netns ", line, StringComparison.Ordinal));
        }
    }

    /// <summary>The daemon's lines up to its second cycle's heartbeat: the first cycle whole (its snapshot).</summary>
    private IReadOnlyList<JsonElement> DaemonFirstCycle(string config)
    {
        string state = Path.Combine(_directory, "state");
        using DaemonProcess daemon = DaemonProcess.Start(["--config", config, "--state-dir", state, "--interval", "1s", "--heartbeat", "1s"]);
        // The heartbeat is written at the end of the second cycle, after everything the first one wrote.
        daemon.WaitForLine(static line => line.Contains("\"heartbeat\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Equal(0, daemon.Terminate(TimeSpan.FromSeconds(20)));
        return new AgentLines(daemon.AllLines).Documents
            .Where(static d => Str(d, "event.action") is "snapshot" || Str(d, "event.dataset") == "netstat" && Num(d, "event.sequence") is not null)
            .Where(static d => Str(d, "event.action") != "heartbeat")
            .ToList();
    }

    private static string[] Datasets(IEnumerable<JsonElement> lines) =>
        lines.Select(static d => Str(d, "event.dataset") ?? "?").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>One text per socket the holder owns: what a setting can change, nothing that moves between two reads.</summary>
    private static List<string> Projection(IEnumerable<JsonElement> lines, int pid) => lines
        .Where(d => Str(d, "event.dataset") == "socket" && Num(d, "process.pid") == pid)
        .Select(static d =>
        {
            string transport = Str(d, "network.transport") ?? "?";
            string local = $"{LocalIp(d)}:{LocalPort(d)}";
            string remote = RemotePort(d) is long port and > 0 ? $"->{RemoteIp(d)}:{port}" : "";
            string args = Get(d, "process.args") is { ValueKind: JsonValueKind.Array } a
                ? string.Join(' ', a.EnumerateArray().Select(static x => x.GetString()))
                : "";
            string netlinkOnly = (Get(d, "socket.cookie") is not null ? "cookie " : "") + (Get(d, "socket.tcp_info") is not null ? "tcp_info" : "");
            string netns = Get(d, "netns") is { } ns ? $" netns {ns.GetRawText()}" : "";
            return $"{transport} {local}{remote} {Str(d, "socket.state")} {Str(d, "process.name")} [{args}] {netlinkOnly} host {Str(d, "host.name")}{netns}";
        })
        .Order(StringComparer.Ordinal)
        .ToList();

    private (int Pid, int ListenPort, int UdpPort) StartHolder(string? netns)
    {
        var info = new ProcessStartInfo(netns is null ? "/usr/bin/python3" : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            foreach (string arg in new[] { "netns", "exec", netns, "/usr/bin/python3" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        foreach (string arg in new[] { "-c", s_holderScript, "--zzvault", Secret, PatternSecret, "--password=plain" })
        {
            info.ArgumentList.Add(arg);
        }
        Process holder = Process.Start(info)!;
        _children.Add(holder);
        string[] ports = (holder.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the socket holder did not start")).Split(' ');
        return (holder.Id, int.Parse(ports[0], CultureInfo.InvariantCulture), int.Parse(ports[1], CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        foreach (Process child in _children)
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
            child.Dispose();
        }
        _namespace?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
