using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Deployment;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// Issue #12 item 5: every line the agent writes — <c>--once</c> on live sockets, and the daemon under churn (TCP
/// opens, state changes and closes, a refused connect, UDP, a route and an interface added and removed in a network
/// namespace, heartbeats, protocol counters, and after a kill -9 the next run's loss line) — conforms to Elastic's
/// published ECS definitions (<see cref="EcsDefinitions"/>, fetched at set-up) and to the index template shipped in
/// deploy/elasticsearch (generated from the JSON Schema). All violations are reported at once.
/// </summary>
public sealed class EcsConformanceTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("socket-agent-ecs-state-");
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("socket-agent-ecs-");

    public void Dispose()
    {
        _state.Delete(recursive: true);
        _scratch.Delete(recursive: true);
    }

    [Fact]
    public void Every_line_of_once_and_of_the_daemon_under_churn_conforms_to_ECS_and_the_index_template()
    {
        Assert.True(TestNetns.Unavailable() is null, $"the ECS conformance test needs network namespaces: {TestNetns.Unavailable()}");
        Assert.True(Environment.UserName == "root", "the ECS conformance test runs the eBPF source and namespaces: run it as root");
        var clock = Stopwatch.StartNew();
        EcsDefinitions ecs = EcsDefinitions.Instance;
        TimeSpan fetched = clock.Elapsed;
        var template = new TemplateMappings(RepositoryFiles.Read("deploy/elasticsearch/component_template/socket_agent@mappings.json"));
        var checker = new EcsLineChecker(ecs, template);
        var lines = new List<string>();

        using TestNetns netns = TestNetns.Create("ecs", count: 2, veth: true).HoldConnection();
        using (var sockets = new HeldSockets(_scratch))
        {
            lines.AddRange(Once("--once"));
            lines.AddRange(Once("--once", "--netns", "all"));
        }
        lines.AddRange(RunDaemonWithChurn(netns));

        foreach (string line in lines)
        {
            checker.Check(line);
        }
        string coverage = MissingCoverage(lines);
        ITestOutputHelper? output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"ECS {EcsDefinitions.Version}: {ecs.Fields.Count} fields (fetched in {fetched.TotalSeconds:0.0} s); {checker.Lines} lines, {checker.Leaves} leaf values checked in {clock.Elapsed.TotalSeconds:0.0} s");
        output?.WriteLine(checker.Warnings.Report("warnings"));
        output?.WriteLine(checker.Errors.Report("violations"));
        Assert.True(checker.Errors.Count == 0 && coverage.Length == 0,
            coverage + checker.Errors.Report($"{checker.Lines} lines do not conform to ECS {EcsDefinitions.Version} and deploy/elasticsearch; violations"));
    }

    private static string[] Once(params string[] args)
    {
        AgentProcess.Result result = AgentProcess.Run(args);
        Assert.True(result.ExitCode == 0, $"socket-agent {string.Join(' ', args)} exited {result.ExitCode}: {result.StandardError}");
        return result.Lines;
    }

    /// <summary>
    /// The daemon (eBPF source, every namespace, 1 s cycles, heartbeats and counters) while connections and the
    /// namespace's links and routes change; then kill -9 and a second run on the same state directory, whose first
    /// lines include the loss line naming what the first run had reserved.
    /// </summary>
    private List<string> RunDaemonWithChurn(TestNetns netns)
    {
        var lines = new List<string>();
        string[] common = ["--interval", "1s", "--heartbeat", "1s", "--stats-interval", "1s", "--state-dir", _state.FullName];
        using (DaemonProcess daemon = DaemonProcess.Start(["--source", "ebpf", "--netns", "all", .. common]))
        {
            daemon.WaitForLine(static l => l.Contains("\"action\":\"heartbeat\"", StringComparison.Ordinal), s_wait);

            // TCP: short connections (opened, closed with their bytes), one whose server closes first (CLOSE_WAIT:
            // state_changed), and a refused connect (error, event.outcome).
            using (var churn = new LoopbackChurn())
            {
                churn.Cycle(connections: 5);
            }
            HalfClosedConnection();
            RefusedConnect();
            UdpExchange();

            // A link, an address and a route of ours come and go in the namespace.
            string link = $"sa{netns.Id}d";
            int subnet = Random.Shared.Next(1, 250);
            string gateway = $"10.216.{subnet}.2";
            string routed = $"10.217.{subnet}.0/24";
            // A veth pair inside the namespace (the dummy driver is not everywhere); deleting one end deletes both.
            netns.IpIn("link", "add", link, "type", "veth", "peer", "name", $"sa{netns.Id}e");
            netns.IpIn("link", "set", $"sa{netns.Id}e", "up");
            netns.IpIn("link", "set", link, "up");
            netns.IpIn("addr", "add", $"10.216.{subnet}.1/24", "dev", link);
            netns.IpIn("route", "add", routed, "via", gateway, "dev", link, "metric", "9");
            daemon.WaitForLine(l => l.Contains("\"action\":\"added\"", StringComparison.Ordinal) && l.Contains($"\"destination\":\"{routed}\"", StringComparison.Ordinal), s_wait);
            netns.IpIn("route", "del", routed, "via", gateway, "dev", link);
            netns.IpIn("addr", "del", $"10.216.{subnet}.1/24", "dev", link);
            netns.IpIn("link", "set", link, "down");
            netns.IpIn("link", "del", link);
            daemon.WaitForLine(l => l.Contains("\"action\":\"removed\"", StringComparison.Ordinal) && l.Contains($"\"name\":\"{link}\"", StringComparison.Ordinal), s_wait);
            TracingWait(daemon);

            daemon.Kill();
            lines.AddRange(daemon.AllLines);
        }

        using (DaemonProcess second = DaemonProcess.Start(["--source", "netlink", .. common]))
        {
            second.WaitForLine(static l => l.Contains("\"action\":\"loss\"", StringComparison.Ordinal), s_wait);
            second.WaitForLine(static l => l.Contains("\"action\":\"heartbeat\"", StringComparison.Ordinal), s_wait);
            int status = second.Terminate(s_wait);
            Assert.True(status == 0, $"the second run exited {status}: {second.StandardError}");
            lines.AddRange(second.AllLines);
        }
        return lines;
    }

    /// <summary>Two heartbeats after now: the cycles between have put out what the churn caused.</summary>
    private static void TracingWait(DaemonProcess daemon)
    {
        DateTimeOffset after = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2);
        daemon.WaitForLine(l => l.Contains("\"action\":\"heartbeat\"", StringComparison.Ordinal)
            && JsonDocument.Parse(l).RootElement.GetProperty("@timestamp").GetDateTimeOffset() > after, s_wait);
    }

    private static void HalfClosedConnection()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using (Socket server = listener.Accept())
        {
            client.Send("ping"u8);
            Assert.Equal(4, server.Receive(new byte[16]));
            server.Send("pong"u8);
            Assert.Equal(4, client.Receive(new byte[16]));
            server.Shutdown(SocketShutdown.Both);
            server.Close();
        }
        // The client sits in CLOSE_WAIT across a cycle before it closes too.
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        client.Close();
    }

    private static void RefusedConnect()
    {
        int port = LoopbackPort.Free();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => client.Connect(new IPEndPoint(IPAddress.Loopback, port)));
    }

    private static void UdpExchange()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(server.LocalEndPoint!);
        client.Send("hello"u8);
        Assert.Equal(5, server.Receive(new byte[16]));
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
    }

    /// <summary>
    /// The (dataset, action) pairs the runs must have produced, so that the check covers every kind of line; a
    /// missing one fails the test (a quiet run would pass vacuously).
    /// </summary>
    private static string MissingCoverage(List<string> lines)
    {
        (string Dataset, string Action)[] required =
        [
            ("socket", "snapshot"), ("socket", "opened"), ("socket", "closed"), ("socket", "state_changed"),
            ("route", "snapshot"), ("route", "added"), ("route", "removed"),
            ("interface", "snapshot"), ("interface", "added"), ("interface", "removed"), ("interface", "address_added"), ("interface", "address_removed"),
            ("netstat", "snapshot"), ("netstat", "counters"),
            ("agent", "heartbeat"), ("agent", "loss"),
        ];
        var seen = new HashSet<(string, string)>();
        var transports = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            if (root.TryGetProperty("event", out JsonElement e) && e.TryGetProperty("dataset", out JsonElement d) && e.TryGetProperty("action", out JsonElement a))
            {
                seen.Add((d.GetString()!, a.GetString()!));
            }
            if (AgentLines.Str(root, "network.transport") is { } transport)
            {
                transports.Add(transport);
            }
        }
        string[] missing = [.. required.Where(r => !seen.Contains(r)).Select(static r => $"{r.Dataset}/{r.Action}"),
            .. ((string[])["tcp", "udp", "unix"]).Where(t => !transports.Contains(t)).Select(static t => $"socket {t}")];
        return missing.Length == 0 ? "" : $"the runs produced no line of: {string.Join(", ", missing)}\n";
    }

    /// <summary>Sockets of this process for --once: a TCP listener with an established loopback connection, UDP (bound and connected), IPv6, UNIX.</summary>
    private sealed class HeldSockets : IDisposable
    {
        private readonly List<Socket> _sockets = [];

        public HeldSockets(DirectoryInfo scratch)
        {
            Socket listener = Add(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(4);
            Socket client = Add(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            client.Connect(listener.LocalEndPoint!);
            Add(listener.Accept());
            Socket udp = Add(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Socket connected = Add(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            connected.Connect(udp.LocalEndPoint!);
            if (Socket.OSSupportsIPv6)
            {
                Socket v6 = Add(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp));
                v6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
                v6.Listen(1);
            }
            var path = new UnixDomainSocketEndPoint(Path.Combine(scratch.FullName, "ecs.sock"));
            Socket unix = Add(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            unix.Bind(path);
            unix.Listen(1);
            Socket unixClient = Add(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            unixClient.Connect(path);
            Add(unix.Accept());
        }

        private Socket Add(Socket socket)
        {
            _sockets.Add(socket);
            return socket;
        }

        public void Dispose()
        {
            foreach (Socket socket in _sockets)
            {
                socket.Dispose();
            }
        }
    }
}
