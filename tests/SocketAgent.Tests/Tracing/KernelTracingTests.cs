using System.Diagnostics;
using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;
using static SocketAgent.Tests.Tracing.TracingAgent;

namespace SocketAgent.Tests.Tracing;

/// <summary>
/// The eBPF source on this machine's kernel, with real processes: every short loopback connection (IPv4 and IPv6,
/// processes that connect and exit at once included) opened and closed on both ends with the right pid, command
/// line and exact bytes; a refused connect; a connection in a namespace the test makes; a ring buffer too small,
/// whose loss lines count what the kernel side dropped; and BPF refused (capabilities dropped).
/// </summary>
public sealed class KernelTracingTests : IDisposable
{
    private readonly DirectoryInfo _stateDir = Directory.CreateTempSubdirectory("socket-agent-tracing-state-");

    public void Dispose() => _stateDir.Delete(recursive: true);

    private DaemonProcess StartAgent(string source, IReadOnlyDictionary<string, string>? environment = null, string[]? launcher = null, params string[] extra) =>
        TracingAgent.Start(_stateDir, source, environment, launcher, extra);

    [Fact]
    public void Every_short_connection_is_opened_and_closed_on_both_ends_with_its_process_command_line_and_bytes()
    {
        RequireRoot();
        using var traffic = new LoopbackTraffic();
        using DaemonProcess agent = StartAgent("ebpf");
        WaitForNextHeartbeats(agent, 1);

        traffic.StartServer();
        var clients = new List<(int Pid, string Tag, List<(int Family, int Port)> Connections)>();
        (int pid, List<(int, int)> connections) = traffic.RunClient(1000, "bulk");
        clients.Add((pid, "bulk", connections));
        // Processes that make one connection and exit at once: their command line must still be known.
        for (int i = 0; i < 20; i++)
        {
            string tag = $"once-{i}";
            (pid, connections) = traffic.RunClient(1, tag);
            clients.Add((pid, tag, connections));
        }
        int refusedPort = LoopbackPort.Free();
        int refusedPid = traffic.RunRefused(refusedPort);
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);

        var events = lines.Where(static d => Str(d, "event.dataset") == "socket" && Str(d, "network.transport") == "tcp").ToList();
        Assert.Contains(lines, static d => Str(d, "heartbeat.source") == "ebpf+netlink");
        // Indexed once by (local port, remote port): the tracer sees every TCP socket of the host, and on a busy machine
        // (other tests, other builds) that is far more than the test's 2,040 ends.
        ILookup<(long?, long?), JsonElement> byPorts = events.ToLookup(static e => (LocalPort(e), RemotePort(e)));
        // What each port pair must hold. Loopback reuses a 4-tuple still in TIME_WAIT (net.ipv4.tcp_tw_reuse=2), so one
        // pair can be several connections of the test: one socket (cookie) per connection, each matched to an expected end.
        var expected = new Dictionary<(long?, long?), List<(int Pid, string Start, string Contains, string Where)>>();
        void Expect((long?, long?) key, (int, string, string, string) end)
        {
            if (!expected.TryGetValue(key, out var list))
            {
                expected[key] = list = [];
            }
            list.Add(end);
        }
        int checkedConnections = 0;
        foreach ((int clientPid, string tag, List<(int Family, int Port)> list) in clients)
        {
            foreach ((int family, int port) in list)
            {
                int serverPort = family == 4 ? traffic.Port4 : traffic.Port6;
                string where = $"{tag} IPv{family} port {port}";
                // The client's end: local = its port.
                Expect((port, serverPort), (clientPid, $"{traffic.ClientScript} ", $" {tag}", where + " (client end)"));
                // The server's end: local = the listener's port, remote = the client's.
                Expect((serverPort, port), (traffic.ServerPid, traffic.ServerScript, traffic.ServerScript, where + " (server end)"));
                checkedConnections++;
            }
        }
        foreach ((var key, var ends) in expected)
        {
            var sockets = byPorts[key].GroupBy(static e => Num(e, "socket.cookie")).ToList();
            Assert.True(sockets.Count == ends.Count, $"{ends[0].Where}: {sockets.Count} sockets for {ends.Count} connections");
            foreach (var socket in sockets)
            {
                long? owner = Num(socket.First(), "process.pid");
                int match = ends.FindIndex(e => e.Pid == owner);
                Assert.True(match >= 0, $"{ends[0].Where}: a socket owned by pid {owner}, expected {string.Join(", ", ends.Select(static e => e.Pid))}");
                (int endPid, string start, string contains, string where) = ends[match];
                ends.RemoveAt(match);
                CheckEnd(socket.ToList(), endPid, start, contains, where);
            }
        }
        Assert.Equal(1020, checkedConnections);

        var toRefusedPort = events.Where(e => RemotePort(e) == refusedPort).ToList();
        Assert.True(toRefusedPort.Count == 1, $"refused connect (pid {refusedPid}, port {refusedPort}): {string.Join('\n', toRefusedPort)}");
        JsonElement refused = toRefusedPort[0];
        Assert.Equal(refusedPid, Num(refused, "process.pid"));
        Assert.Equal("closed", Str(refused, "event.action"));
        Assert.Equal("failure", Str(refused, "event.outcome"));
        Assert.Equal("ECONNREFUSED", Str(refused, "error.code"));
        Assert.Equal(refusedPort, RemotePort(refused));
        Assert.Contains(traffic.RefusedScript, Args(refused));
        Assert.DoesNotContain(events, e => Num(e, "process.pid") == refusedPid && Str(e, "event.action") == "opened");

        JsonElement heartbeat = lines.Last(static d => Str(d, "event.action") == "heartbeat");
        Assert.Equal(0, Num(heartbeat, "heartbeat.counters.ebpf_lost"));
    }

    private static readonly string s_selfComm = File.ReadAllText("/proc/self/comm").TrimEnd('\n');

    private static void CheckEnd(List<JsonElement> mine, int pid, string commandStart, string commandContains, string where)
    {
        JsonElement opened = Assert.Single(mine, static e => Str(e, "event.action") == "opened");
        JsonElement closed = Assert.Single(mine, static e => Str(e, "event.action") == "closed");
        foreach (JsonElement e in new[] { opened, closed })
        {
            Assert.True(Num(e, "process.pid") == pid, $"{where}: pid {Num(e, "process.pid")}, expected {pid}");
            string command = Args(e) ?? string.Empty;
            Assert.True(command.Contains(commandStart, StringComparison.Ordinal) && command.Contains(commandContains, StringComparison.Ordinal),
                $"{where}: command line '{command}'");
            Assert.NotNull(Num(e, "netns.inode"));
            // Every script was started by this test process: the parent is named even for one that exited at once.
            Assert.True(Num(e, "process.parent.pid") == Environment.ProcessId, $"{where}: parent pid {Num(e, "process.parent.pid")}");
            Assert.True(Str(e, "process.parent.name") == s_selfComm, $"{where}: parent name '{Str(e, "process.parent.name")}'");
            Assert.True(Str(e, "process.parent.executable") == Environment.ProcessPath, $"{where}: parent executable '{Str(e, "process.parent.executable")}'");
        }
        Assert.True(Num(closed, "source.bytes") == LoopbackTraffic.ClientSends && Num(closed, "destination.bytes") == LoopbackTraffic.ServerSends,
            $"{where}: bytes {Num(closed, "source.bytes")}/{Num(closed, "destination.bytes")}");
        Assert.Equal(LoopbackTraffic.ClientSends + LoopbackTraffic.ServerSends, Num(closed, "network.bytes"));
        Assert.NotNull(Str(closed, "event.start"));
        Assert.True(Num(closed, "event.duration") > 0, $"{where}: no duration");
    }

    [Fact]
    public void A_connection_in_a_namespace_the_test_made_carries_that_namespace_inode()
    {
        RequireRoot();
        using TestNetns netns = TestNetns.Create("trace");
        string name = netns.Name;
        ulong inode = TestNetns.Inode(name);
        using var traffic = new LoopbackTraffic();
        using DaemonProcess agent = StartAgent("ebpf", extra: ["--netns", "all"]);
        WaitForNextHeartbeats(agent, 1);
        traffic.StartServer("ip", "netns", "exec", name);
        (int pid, List<(int Family, int Port)> connections) = traffic.RunClient(2, "netns", "ip", "netns", "exec", name);
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);
        traffic.Dispose();

        foreach ((int family, int port) in connections)
        {
            var mine = lines.Where(e => Str(e, "event.dataset") == "socket" && LocalPort(e) == port && Num(e, "process.pid") == pid).ToList();
            Assert.Contains(mine, static e => Str(e, "event.action") == "opened");
            Assert.Contains(mine, static e => Str(e, "event.action") == "closed");
            Assert.All(mine, e => Assert.Equal((long)inode, Num(e, "netns.inode")));
        }
    }

    [Fact]
    public void A_tiny_ring_buffer_drops_and_the_loss_lines_count_exactly_what_the_kernel_side_counted()
    {
        RequireRoot();
        using var traffic = new LoopbackTraffic();
        using DaemonProcess agent = StartAgent("ebpf", new Dictionary<string, string> { ["SOCKETAGENT_EBPF__RING_BUFFER_BYTES"] = "4096" });
        WaitForNextHeartbeats(agent, 1);
        traffic.StartServer();
        (int pid, List<(int Family, int Port)> connections) = traffic.RunClient(600, "loss");
        WaitForNextHeartbeats(agent);
        long kernelLost = KernelCounter(agent.Id, slot: 0);
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);

        var losses = lines.Where(static d => Str(d, "event.action") == "loss" && Str(d, "loss.reason") == "ebpf_ring_buffer_full").ToList();
        long reported = losses.Sum(static d => Num(d, "loss.count") ?? 0);
        JsonElement heartbeat = lines.Last(static d => Str(d, "event.action") == "heartbeat");
        long heartbeatSequence = Num(heartbeat, "event.sequence") ?? 0;
        long reportedBeforeHeartbeat = losses.Where(d => Num(d, "event.sequence") < heartbeatSequence).Sum(static d => Num(d, "loss.count") ?? 0);
        Assert.True(kernelLost > 0, "4 KiB of ring buffer dropped nothing: the test does not test");
        // The BPF map read while the agent ran: the loss lines printed after it count at least that much.
        Assert.True(reported >= kernelLost, $"loss lines {reported} < kernel count {kernelLost} read before them");
        Assert.Equal(reportedBeforeHeartbeat, Num(heartbeat, "heartbeat.counters.ebpf_lost"));

        // What the workload is missing is at most what was counted lost (other processes' records share the ring).
        int expected = connections.Count * 2 * 2; // opened and closed, both ends
        int seen = lines.Count(e => Str(e, "event.dataset") == "socket" && Str(e, "event.action") is "opened" or "closed"
            && (Num(e, "process.pid") == pid || Num(e, "process.pid") == traffic.ServerPid));
        Assert.True(expected - seen <= reported, $"{expected - seen} events missing, {reported} counted lost");
    }

    [Fact]
    public void Without_the_capabilities_auto_falls_back_with_one_notice_and_ebpf_exits_with_a_clear_error()
    {
        RequireRoot();
        string[] dropped = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--"];
        using (DaemonProcess agent = StartAgent("auto", launcher: dropped))
        {
            WaitForNextHeartbeats(agent);
            List<JsonElement> lines = Stop(agent);
            Assert.Contains(lines, static d => Str(d, "heartbeat.source") == "netlink");
            string[] notices = agent.StandardError.Split('\n').Where(static l => l.Contains("eBPF source unavailable", StringComparison.Ordinal)).ToArray();
            string notice = Assert.Single(notices);
            Assert.Contains("CAP_BPF", notice);
        }

        AgentProcessResult result = RunToEnd(DaemonProcess.Run(
            ["--source", "ebpf", "--interval", "200ms", "--state-dir", _stateDir.FullName, "-t"], launcher: dropped));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--source ebpf", result.StandardError);
        Assert.Contains("CAP_BPF", result.StandardError);
        Assert.Empty(result.StandardOutput);
    }

    private readonly record struct AgentProcessResult(int ExitCode, string StandardOutput, string StandardError);

    private static AgentProcessResult RunToEnd(Infrastructure.AgentProcess.Result result) => new(result.ExitCode, result.StandardOutput, result.StandardError);

    /// <summary>The agent's own BPF counters map, read with bpftool (independently of the agent), one slot.</summary>
    private static long KernelCounter(int agentPid, int slot)
    {
        // The maps the agent holds: its descriptors' fdinfo names their ids (Debian's bpftool cannot list owners).
        int? id = null;
        foreach (string fdinfo in Directory.EnumerateFiles($"/proc/{agentPid}/fdinfo"))
        {
            string? mapId;
            try
            {
                mapId = File.ReadLines(fdinfo).FirstOrDefault(static l => l.StartsWith("map_id:", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                continue; // closed while listed
            }
            if (mapId is null)
            {
                continue;
            }
            string text = mapId["map_id:".Length..].Trim();
            using JsonDocument map = JsonDocument.Parse(TestNetns.Run("bpftool", ["-j", "map", "show", "id", text]));
            if (map.RootElement.TryGetProperty("name", out JsonElement name) && name.GetString() == "counters")
            {
                id = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        Assert.True(id is not null, "the agent's counters map was not found");
        using JsonDocument value = JsonDocument.Parse(TestNetns.Run("bpftool", ["-j", "map", "lookup", "id", id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "key", slot.ToString(System.Globalization.CultureInfo.InvariantCulture), "0", "0", "0"]));
        JsonElement bytes = value.RootElement.GetProperty("value");
        long result = 0;
        int i = 0;
        foreach (JsonElement b in bytes.EnumerateArray())
        {
            result |= (long)Convert.ToByte(b.GetString(), 16) << (8 * i++);
        }
        return result;
    }


}
