using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Encoders.Json;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Cli;

/// <summary>
/// End to end on this machine's kernel: the real CLI, as a child process, must report the sockets this test
/// holds open, with the right state, queues, owner and full arguments, through both sources.
/// </summary>
public sealed class OnceCommandTests : IClassFixture<LiveSockets>
{
    private readonly LiveSockets _live;

    public OnceCommandTests(LiveSockets live) => _live = live;

    public static TheoryData<string> Sources => new() { "netlink", "procfs" };

    private AgentLines RunOnce(string source, params string[] extra)
    {
        AgentProcess.Result result = AgentProcess.Run(["--once", "--source", source, .. extra]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        foreach (string line in result.Lines)
        {
            SchemaValidator.AssertValid(line);
        }
        return new AgentLines(result.Lines);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Tcp_listeners_and_connections_appear_with_state_queues_and_owner(string source)
    {
        AgentLines lines = RunOnce(source);
        int self = Environment.ProcessId;

        int v4Port = LiveSockets.PortOf(_live.TcpV4Listener);
        JsonElement listener = lines.SingleInet("tcp", "127.0.0.1", v4Port, remotePort: 0);
        Assert.Equal("LISTEN", Str(listener, "socket.state"));
        Assert.Equal("ipv4", Str(listener, "network.type"));
        Assert.Equal(self, Num(listener, "process.pid"));

        JsonElement server = lines.SingleInet("tcp", "127.0.0.1", v4Port, "127.0.0.1", LiveSockets.PortOf(_live.TcpV4Client));
        Assert.Equal("ESTABLISHED", Str(server, "socket.state"));
        Assert.Equal(LiveSockets.UnreadTcpBytes, Num(server, "socket.recv_q"));
        Assert.Equal(self, Num(server, "process.pid"));
        Assert.NotNull(Str(server, "network.community_id"));

        JsonElement client = lines.SingleInet("tcp", "127.0.0.1", LiveSockets.PortOf(_live.TcpV4Client), "127.0.0.1", v4Port);
        Assert.Equal(Str(server, "network.community_id"), Str(client, "network.community_id"));

        int v6Port = LiveSockets.PortOf(_live.TcpV6Listener);
        JsonElement v6 = lines.SingleInet("tcp", "::1", v6Port, "::1", LiveSockets.PortOf(_live.TcpV6Client));
        Assert.Equal("ipv6", Str(v6, "network.type"));
        Assert.Equal("ESTABLISHED", Str(v6, "socket.state"));

        if (source == "netlink")
        {
            Assert.NotNull(Num(server, "socket.cookie"));
            Assert.NotNull(Num(client, "socket.tcp_info.rtt_us"));
            Assert.True(Num(client, "socket.tcp_info.bytes_acked") >= LiveSockets.UnreadTcpBytes);
        }
        else
        {
            Assert.Null(Num(server, "socket.cookie"));
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Udp_bound_and_connected_sockets_appear(string source)
    {
        AgentLines lines = RunOnce(source, "-u");
        Assert.All(lines.Documents, d => Assert.Equal("udp", Str(d, "network.transport")));

        JsonElement bound = lines.SingleInet("udp", "127.0.0.1", LiveSockets.PortOf(_live.UdpBound));
        Assert.Equal(string.Empty, Str(bound, "socket.state")); // netstat prints nothing for unconnected UDP
        Assert.True(Num(bound, "socket.recv_q") > 0);
        Assert.Equal(Environment.ProcessId, Num(bound, "process.pid"));

        JsonElement connected = lines.SingleInet("udp", "127.0.0.1", LiveSockets.PortOf(_live.UdpConnected),
            "127.0.0.1", LiveSockets.PortOf(_live.UdpBound));
        Assert.Equal("ESTABLISHED", Str(connected, "socket.state"));
        Assert.NotNull(Str(connected, "network.community_id"));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Raw_sockets_appear_even_where_the_kernel_lacks_raw_diag(string source)
    {
        if (_live.RawIcmpV6 is null)
        {
            Assert.Skip("opening a raw socket needs CAP_NET_RAW (run the tests as root)");
        }
        AgentLines lines = RunOnce(source, "-w");

        long inode = (long)LiveSockets.InodeOf(_live.RawIcmpV6!);
        JsonElement raw = Assert.Single(lines.Where("raw"), d => Num(d, "socket.inode") == inode);
        Assert.Equal(Environment.ProcessId, Num(raw, "process.pid"));
        Assert.Equal("ipv6", Str(raw, "network.type"));
        Assert.Equal(58, Num(raw, "socket.raw_protocol"));
        Assert.Equal("7", Str(raw, "socket.state")); // netstat prints raw states as numbers
        Assert.Null(Str(raw, "network.community_id"));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Unix_path_and_abstract_sockets_appear(string source)
    {
        AgentLines lines = RunOnce(source, "-x");

        JsonElement listener = Assert.Single(lines.Where("unix"),
            d => Str(d, "socket.path") == _live.UnixPath && Str(d, "socket.state") == "LISTENING");
        Assert.Equal(Environment.ProcessId, Num(listener, "process.pid"));

        JsonElement abstractListener = Assert.Single(lines.Where("unix"), d => Str(d, "socket.path") == "@" + _live.AbstractName);
        Assert.Equal("LISTENING", Str(abstractListener, "socket.state"));
        Assert.Null(Str(abstractListener, "network.type"));

        // The accepted end carries the listener's path; it and the client are CONNECTED.
        Assert.Contains(lines.Where("unix"), d => Str(d, "socket.path") == _live.UnixPath && Str(d, "socket.state") == "CONNECTED");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void A_forked_socket_names_both_processes_with_full_arguments(string source)
    {
        // process.command_line (the arguments as one shell-quoted string) is in the full profile only.
        AgentLines lines = RunOnce(source, "-t", "-l", "--fields", "full");

        JsonElement listener = lines.SingleInet("tcp", "127.0.0.1", _live.ChildListenerPort);
        Assert.Equal(_live.ChildPid, Num(listener, "process.pid"));
        Assert.Equal("python3", Str(listener, "process.name"));

        string[] args = Get(listener, "process.args")!.Value.EnumerateArray().Select(static a => a.GetString()!).ToArray();
        Assert.Equal(["/usr/bin/python3", "-c", ForkingPython.Script, .. LiveSockets.ChildExtraArgsRedacted], args);
        string commandLine = Str(listener, "process.command_line")!;
        Assert.Contains("'--name=socket agent test'", commandLine);
        Assert.Contains("'it'\\''s'", commandLine);
        Assert.EndsWith(" ''", commandLine);
        Assert.Contains("'--password=[REDACTED]'", commandLine); // secrets never leave the host
        Assert.DoesNotContain("hunter2", commandLine);
        Assert.StartsWith("/usr/bin/python3", Str(listener, "process.executable"));
        // The child was started by this test process: ECS process.parent.* name it.
        Assert.Equal(Environment.ProcessId, Num(listener, "process.parent.pid"));
        Assert.Equal(File.ReadAllText("/proc/self/comm").TrimEnd('\n'), Str(listener, "process.parent.name"));
        Assert.Equal(Environment.ProcessPath, Str(listener, "process.parent.executable"));
        // The grandchild's parent is the child.
        JsonElement grandchild = Get(listener, "socket.processes")!.Value.EnumerateArray().Single(p => Num(p, "pid") == _live.GrandchildPid);
        Assert.Equal((long)_live.ChildPid, Num(grandchild, "parent.pid"));
        Assert.Equal("python3", Str(grandchild, "parent.name"));
        Assert.StartsWith("/usr/bin/python3", Str(grandchild, "parent.executable"));

        int[] holders = Get(listener, "socket.processes")!.Value.EnumerateArray()
            .Select(static p => (int)Num(p, "pid")!.Value).ToArray();
        Assert.Equal(new[] { _live.ChildPid, _live.GrandchildPid }.Order(), holders);
    }

    [Fact]
    public void Both_sources_agree_on_the_live_sockets()
    {
        // Only the fixture's sockets: other tests in this process open and close sockets of the same pid meanwhile,
        // and the python child may inherit one of them (a native library's socket without close-on-exec) that then
        // changes state between the two reads. Of the child, only its listener and its abstract UNIX socket count.
        IReadOnlySet<ulong> own = _live.Inodes;
        int self = Environment.ProcessId;
        bool Fixture(JsonElement d) => Num(d, "process.pid") switch
        {
            long pid when pid == self => Num(d, "socket.inode") is long inode && own.Contains((ulong)inode),
            long pid when pid == _live.ChildPid || pid == _live.GrandchildPid =>
                LocalPort(d) == _live.ChildListenerPort && Str(d, "network.transport") == "tcp"
                || Str(d, "socket.path")?.StartsWith("@socket-agent-test-", StringComparison.Ordinal) == true,
            _ => false,
        };
        HashSet<string> Keys(AgentLines lines) => lines.Documents.Where(Fixture)
            .Select(d => string.Join('|', Str(d, "network.transport"), Str(d, "socket.state"), LocalIp(d),
                LocalPort(d), RemoteIp(d), RemotePort(d), Str(d, "socket.path"),
                Num(d, "socket.inode"), Num(d, "process.pid")))
            .ToHashSet();

        HashSet<string> netlink = Keys(RunOnce("netlink"));
        HashSet<string> procfs = Keys(RunOnce("procfs"));

        Assert.Contains(netlink, static k => k.StartsWith("unix|", StringComparison.Ordinal) && k.Contains("@socket-agent-test-", StringComparison.Ordinal));
        Assert.Contains(netlink, k => k.StartsWith("tcp|LISTEN|127.0.0.1|" + _live.ChildListenerPort + "|", StringComparison.Ordinal));
        Assert.Equal(netlink.Order(), procfs.Order());
    }

    [Fact]
    public void Field_profiles_trade_detail_for_bytes_on_the_same_live_connection()
    {
        int port = LiveSockets.PortOf(_live.TcpV4Listener);
        int clientPort = LiveSockets.PortOf(_live.TcpV4Client);
        JsonElement Accepted(string profile) =>
            RunOnce("netlink", "--fields", profile).SingleInet("tcp", "127.0.0.1", port, "127.0.0.1", clientPort);

        JsonElement minimal = Accepted("minimal"), standard = Accepted("default"), full = Accepted("full");

        // The same facts where every profile has them: the ends once, the owner, the kernel's ids.
        foreach (JsonElement line in new[] { minimal, standard, full })
        {
            Assert.Equal("destination", Str(line, "socket.local_end"));
            Assert.Equal(port, Num(line, "destination.port"));
            Assert.Equal(clientPort, Num(line, "source.port"));
            Assert.Equal(Environment.ProcessId, Num(line, "process.pid"));
            Assert.NotNull(Num(line, "socket.cookie"));
            Assert.Null(Get(line, "client"));
            Assert.Null(Get(line, "socket.local"));
        }
        Assert.Null(Get(minimal, "socket.tcp_info"));
        Assert.Null(Get(minimal, "process.args"));
        Assert.NotNull(Get(standard, "process.args"));
        Assert.Null(Get(standard, "process.command_line"));
        Assert.NotNull(Num(standard, "socket.tcp_info.rtt_us"));
        Assert.Null(Get(standard, "socket.tcp_info.rto_us"));
        Assert.NotNull(Str(full, "process.command_line"));
        Assert.NotNull(Num(full, "socket.tcp_info.rto_us"));
        Assert.Equal(1, Num(full, "socket.state_code"));
        Assert.Equal("6", Str(full, "network.iana_number"));
        int Bytes(JsonElement line) => line.GetRawText().Length;
        Assert.True(Bytes(minimal) < Bytes(standard) && Bytes(standard) < Bytes(full),
            $"minimal {Bytes(minimal)}, default {Bytes(standard)}, full {Bytes(full)} bytes");
    }

    [Fact]
    public void An_unknown_field_profile_is_refused_with_the_values_it_takes()
    {
        AgentProcess.Result result = AgentProcess.Run("--once", "--fields", "everything");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.Lines);
        Assert.Contains("fields", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("minimal, default or full", result.StandardError, StringComparison.Ordinal);
    }
}
