using System.Diagnostics;
using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;
using static SocketAgent.Tests.Tracing.TracingAgent;

namespace SocketAgent.Tests.Tracing;

/// <summary>
/// UDP flows from the eBPF source on this machine's kernel, with real processes: every flow of unconnected and
/// connected sockets (IPv4 and IPv6, each call kind: sendto/recvfrom, send/recv, write/read, sendmsg/recvmsg) and of
/// processes that send one datagram and exit at once is opened and closed on both ends with the right pid, command
/// line and exact bytes and datagrams each way; a flow idle for the timeout is closed while its process lives and
/// opened again by its next datagram; sendmmsg's datagrams count one by one (those past the 64th of one call are
/// counted as such); a flow in a namespace the test makes carries that namespace's inode.
/// </summary>
public sealed class UdpFlowTracingTests : IDisposable
{
    private readonly DirectoryInfo _stateDir = Directory.CreateTempSubdirectory("socket-agent-udp-state-");

    public void Dispose() => _stateDir.Delete(recursive: true);

    private DaemonProcess StartAgent(IReadOnlyDictionary<string, string>? environment = null, params string[] extra) =>
        TracingAgent.Start(_stateDir, "ebpf", environment, extra: extra);

    private static List<JsonElement> UdpEvents(List<JsonElement> lines) =>
        lines.Where(static d => Str(d, "event.dataset") == "socket" && Str(d, "network.transport") == "udp"
            && Str(d, "event.action") is "opened" or "closed" && Str(d, "socket.state") == "ESTABLISHED").ToList();

    [Fact]
    public void Every_udp_flow_is_opened_and_closed_on_both_ends_with_its_process_command_line_bytes_and_datagrams()
    {
        RequireRoot();
        using var traffic = new UdpTraffic();
        using DaemonProcess agent = StartAgent();
        WaitForNextHeartbeats(agent, 1);
        traffic.StartServer();

        var clients = new List<(int Pid, string Tag, string Mode, List<(int Family, int Port)> Sockets)>();
        foreach (string mode in new[] { "unconnected", "connected" })
        {
            (int pid, List<(int, int)> sockets) = traffic.RunClient(mode, $"{mode}-1");
            clients.Add((pid, $"{mode}-1", mode, sockets));
        }
        // Processes that send one datagram per family and exit at once, without closing.
        for (int i = 0; i < 10; i++)
        {
            string tag = $"once-{i}";
            (int pid, List<(int, int)> sockets) = traffic.RunClient("once", tag);
            clients.Add((pid, tag, "once", sockets));
        }
        // The server's flows end with its sockets.
        WaitForNextHeartbeats(agent, 1);
        traffic.StopServer();
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);

        List<JsonElement> events = UdpEvents(lines);
        int flows = 0;
        foreach ((int pid, string tag, string mode, List<(int Family, int Port)> sockets) in clients)
        {
            Assert.Equal(2, sockets.Count);
            foreach ((int family, int port) in sockets)
            {
                int serverPort = family == 4 ? traffic.Port4 : traffic.Port6;
                (long sent, long datagrams, long answered) = mode == "once"
                    ? (UdpTraffic.OnceSends, 1L, 0L)
                    : (UdpTraffic.ClientSends, UdpTraffic.ClientDatagrams, UdpTraffic.ServerSends);
                string where = $"{tag} IPv{family} port {port}";
                CheckFlow(events, port, serverPort, pid, traffic.ClientScript, $" {tag}", family, sent, datagrams, answered, where + " (client end)");
                CheckFlow(events, serverPort, port, traffic.ServerPid, traffic.ServerScript, traffic.ServerScript, family, sent, datagrams, answered, where + " (server end)");
                flows++;
            }
        }
        Assert.Equal(24, flows);

        JsonElement heartbeat = lines.Last(static d => Str(d, "event.action") == "heartbeat");
        Assert.Equal(0, Num(heartbeat, "heartbeat.counters.ebpf_lost"));
        Assert.Equal(0, Num(heartbeat, "heartbeat.counters.ebpf_udp_flows_evicted"));
        Assert.True(Num(heartbeat, "heartbeat.counters.ebpf_udp_flows_closed_released") >= 48,
            $"flows closed at release: {Num(heartbeat, "heartbeat.counters.ebpf_udp_flows_closed_released")}");
    }

    [Fact]
    public void Datagrams_of_sendmmsg_count_one_by_one_and_those_past_the_64th_of_one_call_are_counted_as_uncounted()
    {
        RequireRoot();
        using var traffic = new UdpTraffic();
        using DaemonProcess agent = StartAgent();
        WaitForNextHeartbeats(agent, 1);
        traffic.StartServer();
        // Per family: sendmmsg of 100, 200 and 300 bytes with an address in each header, then 70 datagrams of 10 bytes
        // in one sendmmsg on a connected socket. The server reads each datagram with its own recvfrom.
        (int pid, List<(int Family, int Port)> sockets) = traffic.RunClient("mmsg", "mmsg-1");
        WaitForNextHeartbeats(agent, 1);
        traffic.StopServer();
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);
        List<JsonElement> events = UdpEvents(lines);

        Assert.Equal(4, sockets.Count);
        const int HeadersRead = 64;
        long listedBytes = UdpTraffic.MmsgSizes.Sum();
        int counted = Math.Min(UdpTraffic.MmsgBurst, HeadersRead);
        foreach (int family in new[] { 4, 6 })
        {
            int[] ports = sockets.Where(s => s.Family == family).Select(static s => s.Port).ToArray();
            int serverPort = family == 4 ? traffic.Port4 : traffic.Port6;
            string where = $"IPv{family} sendmmsg";
            CheckFlow(events, ports[0], serverPort, pid, traffic.ClientScript, " mmsg-1", family,
                listedBytes, UdpTraffic.MmsgSizes.Length, 0, where + " with addresses (client end)");
            CheckFlow(events, serverPort, ports[0], traffic.ServerPid, traffic.ServerScript, traffic.ServerScript, family,
                listedBytes, UdpTraffic.MmsgSizes.Length, 0, where + " with addresses (server end)");
            // The sender's program reads at most 64 headers of one call: the rest are counted, not attributed.
            CheckFlow(events, ports[1], serverPort, pid, traffic.ClientScript, " mmsg-1", family,
                (long)counted * UdpTraffic.MmsgBurstSize, counted, 0, where + " of 70, connected (client end)");
            CheckFlow(events, serverPort, ports[1], traffic.ServerPid, traffic.ServerScript, traffic.ServerScript, family,
                (long)UdpTraffic.MmsgBurst * UdpTraffic.MmsgBurstSize, UdpTraffic.MmsgBurst, 0, where + " of 70, connected (server end)");
        }

        JsonElement heartbeat = lines.Last(static d => Str(d, "event.action") == "heartbeat");
        // At least this client's (another process of the host, a resolver, may use sendmmsg too).
        Assert.True(Num(heartbeat, "heartbeat.counters.ebpf_udp_mmsg_uncounted") >= 2 * (UdpTraffic.MmsgBurst - HeadersRead),
            $"ebpf_udp_mmsg_uncounted: {Num(heartbeat, "heartbeat.counters.ebpf_udp_mmsg_uncounted")}");
        Assert.Equal(0, Num(heartbeat, "heartbeat.counters.ebpf_lost"));
    }

    /// <summary>One flow seen from one end (local → remote): one opened, one closed, the process, the counts.</summary>
    private static void CheckFlow(
        List<JsonElement> events, int localPort, int remotePort, int pid, string commandStart, string commandContains, int family,
        long clientSent, long clientDatagrams, long serverSent, string where)
    {
        var mine = events.Where(e => LocalPort(e) == localPort && RemotePort(e) == remotePort).ToList();
        Assert.True(mine.Count(static e => Str(e, "event.action") == "opened") == 1, $"{where}: {mine.Count} events\n{string.Join('\n', mine)}");
        JsonElement opened = Assert.Single(mine, static e => Str(e, "event.action") == "opened");
        JsonElement closed = Assert.Single(mine, static e => Str(e, "event.action") == "closed");
        foreach (JsonElement e in new[] { opened, closed })
        {
            Assert.True(Num(e, "process.pid") == pid, $"{where}: pid {Num(e, "process.pid")}, expected {pid}");
            string command = Args(e) ?? string.Empty;
            Assert.True(command.Contains(commandStart, StringComparison.Ordinal) && command.Contains(commandContains, StringComparison.Ordinal),
                $"{where}: command line '{command}'");
            Assert.NotNull(Num(e, "netns.inode"));
            Assert.NotNull(Num(e, "socket.cookie"));
            Assert.Equal(family == 4 ? "ipv4" : "ipv6", Str(e, "network.type"));
        }
        Assert.Equal(Num(opened, "socket.cookie"), Num(closed, "socket.cookie"));
        // source = the end that sent first (the client), whichever end reports it.
        Assert.True(Num(closed, "source.bytes") == clientSent && Num(closed, "destination.bytes") == serverSent,
            $"{where}: bytes {Num(closed, "source.bytes")}/{Num(closed, "destination.bytes")}, expected {clientSent}/{serverSent}");
        long serverDatagrams = serverSent == 0 ? 0 : clientDatagrams;
        Assert.True(Num(closed, "source.packets") == clientDatagrams && Num(closed, "destination.packets") == serverDatagrams,
            $"{where}: datagrams {Num(closed, "source.packets")}/{Num(closed, "destination.packets")}, expected {clientDatagrams}/{serverDatagrams}");
        Assert.Equal(clientSent + serverSent, Num(closed, "network.bytes"));
        Assert.Equal(Str(opened, "@timestamp"), Str(closed, "event.start"));
        Assert.NotNull(Num(closed, "event.duration"));
    }

    [Fact]
    public void A_flow_idle_for_the_timeout_is_closed_while_its_process_lives_and_its_next_datagram_opens_it_again()
    {
        RequireRoot();
        using var traffic = new UdpTraffic();
        using DaemonProcess agent = StartAgent(new Dictionary<string, string> { ["SOCKETAGENT_EBPF__UDP_IDLE_TIMEOUT"] = "1s" });
        WaitForNextHeartbeats(agent, 1);
        traffic.StartServer();
        (Process client, List<(int Family, int Port)> sockets) = traffic.StartHolding("hold-1");
        int clientPid = client.Id;
        using (client)
        {
            // 1 s of silence, and a sweep (every 100 ms here) after it.
            Thread.Sleep(TimeSpan.FromSeconds(2));
            WaitForNextHeartbeats(agent);
            Assert.False(client.HasExited);
            UdpTraffic.Release(client);
        }
        WaitForNextHeartbeats(agent, 1);
        traffic.StopServer();
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);

        List<JsonElement> events = UdpEvents(lines);
        foreach ((int family, int port) in sockets)
        {
            int serverPort = family == 4 ? traffic.Port4 : traffic.Port6;
            var mine = events.Where(e => LocalPort(e) == port && RemotePort(e) == serverPort).ToList();
            string where = $"IPv{family} port {port}";
            Assert.True(mine.Count == 4, $"{where}: {string.Join('\n', mine)}");
            Assert.Equal(["opened", "closed", "opened", "closed"], mine.Select(static e => Str(e, "event.action")));
            Assert.All(mine, e => Assert.Equal(clientPid, Num(e, "process.pid")));
            // The first flow: two datagrams each way (100 + 200, answered 50 + 100), ended by the timeout at its last datagram.
            Assert.Equal(300, Num(mine[1], "source.bytes"));
            Assert.Equal(150, Num(mine[1], "destination.bytes"));
            Assert.Equal(2, Num(mine[1], "source.packets"));
            Assert.Equal(2, Num(mine[1], "destination.packets"));
            Assert.True(Num(mine[1], "event.sequence") < Num(mine[2], "event.sequence"));
            // The second: one datagram, ended by the process's exit.
            Assert.Equal(100, Num(mine[3], "source.bytes"));
            Assert.Equal(0, Num(mine[3], "destination.bytes"));
            Assert.Equal(1, Num(mine[3], "source.packets"));

            // The server's end: also closed by the timeout, then opened again by the last datagram, closed with the server.
            var theirs = events.Where(e => LocalPort(e) == serverPort && RemotePort(e) == port).ToList();
            Assert.Equal(["opened", "closed", "opened", "closed"], theirs.Select(static e => Str(e, "event.action")));
            Assert.Equal(300, Num(theirs[1], "source.bytes"));
            Assert.Equal(150, Num(theirs[1], "destination.bytes"));
            Assert.Equal(100, Num(theirs[3], "source.bytes"));
        }
        JsonElement heartbeat = lines.Last(static d => Str(d, "event.action") == "heartbeat");
        Assert.True(Num(heartbeat, "heartbeat.counters.ebpf_udp_flows_closed_idle") >= 4,
            $"flows closed idle: {Num(heartbeat, "heartbeat.counters.ebpf_udp_flows_closed_idle")}");
    }

    [Fact]
    public void A_udp_flow_in_a_namespace_the_test_made_carries_that_namespace_inode()
    {
        RequireRoot();
        if (TestNetns.Unavailable() is string why)
        {
            Assert.Skip(why);
        }
        using TestNetns netns = TestNetns.Create("udpflow");
        ulong inode = TestNetns.Inode(netns.Name);
        using var traffic = new UdpTraffic();
        using DaemonProcess agent = StartAgent(extra: ["--netns", "all"]);
        WaitForNextHeartbeats(agent, 1);
        traffic.StartServer("ip", "netns", "exec", netns.Name);
        (int pid, List<(int Family, int Port)> sockets) = traffic.RunClient("unconnected", "netns", "ip", "netns", "exec", netns.Name);
        traffic.StopServer();
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);

        List<JsonElement> events = UdpEvents(lines);
        foreach ((int family, int port) in sockets)
        {
            int serverPort = family == 4 ? traffic.Port4 : traffic.Port6;
            var mine = events.Where(e => LocalPort(e) == port && RemotePort(e) == serverPort).ToList();
            Assert.Equal(["opened", "closed"], mine.Select(static e => Str(e, "event.action")));
            Assert.All(mine, e => Assert.Equal(pid, Num(e, "process.pid")));
            Assert.All(mine, e => Assert.Equal((long)inode, Num(e, "netns.inode")));
            Assert.Equal(UdpTraffic.ClientSends, Num(mine[1], "source.bytes"));
            Assert.Equal(UdpTraffic.ServerSends, Num(mine[1], "destination.bytes"));
            var theirs = events.Where(e => LocalPort(e) == serverPort && RemotePort(e) == port).ToList();
            Assert.Equal(["opened", "closed"], theirs.Select(static e => Str(e, "event.action")));
            Assert.All(theirs, e => Assert.Equal((long)inode, Num(e, "netns.inode")));
        }
    }

    [Fact]
    public void A_full_flow_map_evicts_and_every_evicted_flow_is_still_closed_counted_and_named_by_loss_lines()
    {
        RequireRoot();
        if (TestNetns.Unavailable() is string why)
        {
            Assert.Skip(why);
        }
        // In a namespace of its own: the datagrams reach nobody else's sockets.
        using TestNetns netns = TestNetns.Create("udpevict");
        using DaemonProcess agent = StartAgent(new Dictionary<string, string> { ["SOCKETAGENT_EBPF__UDP_FLOWS"] = "1024" }, "--netns", "all");
        WaitForNextHeartbeats(agent, 1);
        // One socket, one 10-byte datagram to each of 3,000 ports: 3,000 flows in a map of 1,024. The socket stays
        // open for 2 s (the sweep finds evicted flows), then the process exits (the release ends the rest).
        const int Flows = 3000;
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "netns", "exec", netns.Name, "python3", "-c" })
        {
            info.ArgumentList.Add(arg);
        }
        info.ArgumentList.Add("""
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for port in range(40000, 40000 + int(sys.argv[1])):
                s.sendto(b'e' * 10, ('127.0.0.1', port))
            print(s.getsockname()[1], flush=True)
            time.sleep(2)
            """);
        info.ArgumentList.Add(Flows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int pid;
        long localPort;
        using (Process sender = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start"))
        {
            pid = sender.Id;
            localPort = long.Parse(sender.StandardOutput.ReadLine() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(sender.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.True(sender.ExitCode == 0, sender.StandardError.ReadToEnd());
        }
        WaitForNextHeartbeats(agent);
        WaitForNextHeartbeats(agent);
        List<JsonElement> lines = Stop(agent);

        var mine = UdpEvents(lines).Where(e => Num(e, "process.pid") == pid && LocalPort(e) == localPort).ToList();
        var opened = mine.Where(static e => Str(e, "event.action") == "opened").ToList();
        var closed = mine.Where(static e => Str(e, "event.action") == "closed").ToList();
        Assert.Equal(Flows, opened.Count);
        Assert.Equal(Flows, closed.Count);
        Assert.Equal(Flows, closed.Select(static e => RemotePort(e)).Distinct().Count());
        var withoutCounts = closed.Where(static e => Num(e, "source.bytes") is null).ToList();
        Assert.True(withoutCounts.Count > 0, "3,000 flows in a map of 1,024 evicted none: the test does not test");
        Assert.All(closed.Except(withoutCounts), static e =>
        {
            Assert.Equal(10, Num(e, "source.bytes"));
            Assert.Equal(1, Num(e, "source.packets"));
            Assert.Equal(0, Num(e, "destination.bytes"));
        });

        long reported = lines.Where(static d => Str(d, "event.action") == "loss" && Str(d, "loss.reason") == "ebpf_udp_flow_evicted")
            .Sum(static d => Num(d, "loss.count") ?? 0);
        JsonElement heartbeat = lines.Last(static d => Str(d, "event.action") == "heartbeat");
        Assert.Equal(reported, Num(heartbeat, "heartbeat.counters.ebpf_udp_flows_evicted"));
        // Other processes' flows share the map: the loss lines count at least this one's.
        Assert.True(withoutCounts.Count <= reported, $"{withoutCounts.Count} flows closed without counts, {reported} counted evicted");
        Assert.Equal(0, Num(heartbeat, "heartbeat.counters.ebpf_lost"));
    }
}
