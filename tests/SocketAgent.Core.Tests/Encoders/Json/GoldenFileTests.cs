using System.Globalization;
using System.Text.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>
/// The golden files under Fixtures/json are rewritten by the very code they check (SOCKET_AGENT_UPDATE_GOLDEN=1 in
/// JsonLinesWriterTests, EventJsonTests, HostStateJsonTests), so on their own they only say "unchanged", not
/// "right". This checks the files themselves, independently of the encoder: every line against the published JSON
/// schema, and the fields that matter against values written here by hand from the fixture records (TestRecords,
/// EventRecords, HostStateRecords) and from what the kernel and ECS define (TCP_LISTEN is state 10, ingress puts the
/// remote end in source, …). A regenerated file with a wrong field fails here even though its own test passes.
/// </summary>
public sealed class GoldenFileTests
{
    private static string[] Lines(string file)
    {
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "json", file));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text[..^1].Split('\n');
    }

    [Theory]
    [InlineData("tcp-listener-v4.jsonl", 1)]
    [InlineData("tcp-established-v6.jsonl", 1)]
    [InlineData("multi-owner.jsonl", 1)]
    [InlineData("unix.jsonl", 3)]
    [InlineData("events.jsonl", 19)]
    [InlineData("routes.jsonl", 7)]
    [InlineData("interfaces.jsonl", 3)]
    [InlineData("netstat.jsonl", 3)]
    public void Every_line_is_valid_against_the_schema(string file, int count)
    {
        string[] lines = Lines(file);
        Assert.Equal(count, lines.Length);
        Assert.All(lines, SchemaValidator.AssertValid);
    }

    [Fact]
    public void Socket_snapshots_carry_the_fixture_sockets()
    {
        // TestRecords.TcpListenerV4: sshd (pid 812, root) listening on 0.0.0.0:22.
        Expect(Lines("tcp-listener-v4.jsonl")[0],
            ("event.dataset", "socket"), ("event.action", "snapshot"), ("network.transport", "tcp"), ("network.type", "ipv4"),
            ("socket.state", "LISTEN"), ("server.ip", "0.0.0.0"), ("server.port", 22L), ("process.pid", 812L),
            ("process.name", "sshd"), ("user.id", "0"));
        // Each fact once: a listener is its server end, with no direction (ECS has no "listening"), no flow, no tcp_info.
        Absent(Lines("tcp-listener-v4.jsonl")[0], "source", "destination", "client", "network.direction", "network.community_id",
            "network.iana_number", "socket.state_code", "socket.local", "socket.local_end", "socket.tcp_info", "network.netns");

        // TestRecords.TcpEstablishedV6: curl (pid 4242, uid 1000) from [2001:db8::10]:51000 to [2001:db8:1::443]:443.
        Expect(Lines("tcp-established-v6.jsonl")[0],
            ("network.transport", "tcp"), ("network.type", "ipv6"), ("network.direction", "egress"), ("socket.state", "ESTABLISHED"),
            ("source.ip", "2001:db8::10"), ("source.port", 51000L), ("destination.ip", "2001:db8:1::443"),
            ("destination.port", 443L), ("socket.local_end", "source"), ("process.pid", 4242L), ("process.name", "curl"),
            ("user.id", "1000"), ("user.name", "alice"), ("socket.tcp_info.bytes_acked", 518L));
        Absent(Lines("tcp-established-v6.jsonl")[0], "client", "server", "socket.local", "socket.remote", "process.user",
            "process.command_line", "process.args_count", "socket.recv_q");

        // TestRecords.MultiOwnerListener: nginx master 100 and workers 101, 102 share [::]:80; the master is the process.
        string multi = Lines("multi-owner.jsonl")[0];
        Expect(multi, ("server.ip", "::"), ("server.port", 80L), ("socket.state", "LISTEN"), ("process.pid", 100L));
        Assert.Equal([100L, 101L, 102L], Get(multi, "socket.processes").EnumerateArray().Select(static p => p.GetProperty("pid").GetInt64()));

        string[] unix = Lines("unix.jsonl");
        Expect(unix[0], ("network.transport", "unix"), ("socket.unix.type", "dgram"), ("socket.path", "/run/systemd/notify"), ("socket.inode", 5001L));
        Expect(unix[1], ("socket.unix.type", "stream"), ("socket.state", "LISTENING"), ("socket.path", "@/tmp/.X11-unix/X0"), ("socket.inode", 5002L));
        Expect(unix[2], ("socket.unix.type", "seqpacket"), ("socket.state", "CONNECTED"), ("socket.unix.peer_inode", 5004L), ("socket.inode", 5003L));
        Absent(unix[2], "socket.path");
    }

    [Fact]
    public void Events_carry_the_fixture_actions_and_endpoints()
    {
        string[] lines = Lines("events.jsonl");
        string[] actions =
        [
            "snapshot", "opened", "state_changed", "closed", "closed",
            "snapshot", "added", "removed", "changed",
            "snapshot", "up", "down", "changed", "added", "removed", "address_added", "address_removed",
            "counters", "heartbeat",
        ];
        Assert.Equal(actions, lines.Select(static l => Get(l, "event.action").GetString()));
        Assert.Equal(Enumerable.Range(1, 19).Select(static i => (long)i), lines.Select(static l => Get(l, "event.sequence").GetInt64()));

        // A connection accepted on sshd's port 22: ingress, so the remote client is the source.
        Expect(lines[1], ("event.dataset", "socket"), ("network.direction", "ingress"), ("source.ip", "198.51.100.7"), ("source.port", 50123L),
            ("destination.ip", "192.0.2.1"), ("destination.port", 22L), ("socket.local_end", "destination"), ("process.pid", 812L));
        Expect(lines[2], ("socket.state", "CLOSE_WAIT"), ("source.port", 50123L));
        Expect(lines[3], ("network.direction", "egress"), ("source.ip", "2001:db8::10"), ("destination.port", 443L), ("process.pid", 4242L));
        // Closed as the kernel's destroy notification described it: state CLOSE (7), no owner.
        Expect(lines[4], ("socket.state", "CLOSE"), ("source.ip", "10.0.0.5"), ("source.port", 41000L),
            ("destination.ip", "10.0.0.9"), ("destination.port", 443L));
        Absent(lines[4], "process");
        Assert.All(lines[5..9], l => Expect(l, ("event.dataset", "route"), ("route.destination", "0.0.0.0/0"), ("route.gateway", "192.0.2.1")));
        Assert.All(lines[9..17], l => Expect(l, ("event.dataset", "interface"), ("interface.name", "lo")));
        Expect(lines[17], ("event.dataset", "netstat"), ("netstat.group", "Tcp"));
        Expect(lines[18], ("event.dataset", "agent"));
    }

    [Fact]
    public void Host_state_files_carry_the_fixture_routes_interfaces_and_counters()
    {
        string[] routes = Lines("routes.jsonl");
        Assert.Equal(["0.0.0.0/0", "192.0.2.0/24", "::1/128", "10.1.0.0/16", "203.0.113.0/24", "0.0.0.0/0", "2001:db8:dead::/48"],
            routes.Select(static l => Get(l, "route.destination").GetString()));
        Expect(routes[0], ("network.type", "ipv4"), ("route.gateway", "192.0.2.1"), ("route.interface", "eth0"), ("route.metric", 100L),
            ("netns.name", "blue"));
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Get(routes[3], "route.nexthops").EnumerateArray().Select(static h => h.GetProperty("gateway").GetString()));
        Expect(routes[5], ("route.gateway", "10.9.0.1"), ("route.interface", "wg0"));

        string[] interfaces = Lines("interfaces.jsonl");
        Assert.Equal(["lo", "veth1a2b3c", "tun0"], interfaces.Select(static l => Get(l, "interface.name").GetString()));
        Expect(interfaces[0], ("interface.index", 1L), ("interface.type", "loopback"), ("interface.mtu", 65536L));
        Expect(interfaces[1], ("interface.kind", "veth"), ("interface.state", "down"), ("interface.parent_index", 6L));

        Assert.Equal(["Ip", "Tcp", "Ip6"], Lines("netstat.jsonl").Select(static l => Get(l, "netstat.group").GetString()));
    }

    private static void Expect(string line, params (string Path, object Value)[] expected)
    {
        foreach ((string path, object value) in expected)
        {
            JsonElement actual = Get(line, path);
            switch (value)
            {
                case string s:
                    Assert.True(actual.ValueKind == JsonValueKind.String && actual.GetString() == s, $"{path}: expected \"{s}\", got {actual.GetRawText()}");
                    break;
                case long n:
                    Assert.True(actual.ValueKind == JsonValueKind.Number && actual.GetInt64() == n,
                        $"{path}: expected {n.ToString(CultureInfo.InvariantCulture)}, got {actual.GetRawText()}");
                    break;
                default:
                    throw new ArgumentException($"unsupported expectation type for {path}");
            }
        }
    }

    private static void Absent(string line, params string[] paths)
    {
        foreach (string path in paths)
        {
            Assert.False(TryGet(line, path, out _), $"{path} should not be there");
        }
    }

    private static JsonElement Get(string line, string path) =>
        TryGet(line, path, out JsonElement value) ? value : throw new Xunit.Sdk.XunitException($"{path} is missing from {line}");

    private static bool TryGet(string line, string path, out JsonElement value)
    {
        value = JsonDocument.Parse(line).RootElement.Clone();
        foreach (string part in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
            {
                return false;
            }
        }
        return true;
    }
}
