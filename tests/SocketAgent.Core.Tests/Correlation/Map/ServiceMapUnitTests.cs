using SocketAgent.Correlation.Map;

namespace SocketAgent.Tests.Correlation.Map;

/// <summary>The map's rules one by one: naming a service, merging connections into an edge, sizes for people, escaping.</summary>
public sealed class ServiceMapUnitTests
{
    private static ConnectionSide Side(string? host = "h", string? process = null, string? container = null, string? pod = null, string? unit = null,
        int port = 5432, long bytes = -1) =>
        new() { Ip = "10.0.0.1", Port = port, HostName = host, ProcessName = process, Container = container, Pod = pod, Unit = unit, Bytes = bytes };

    [Fact]
    public void A_service_is_named_by_pod_then_container_then_unit_then_process()
    {
        Assert.Equal(ServiceKind.Pod, ServiceIdentity.Of(Side(process: "p", container: "c", pod: "ns/pod", unit: "u.service"), true, false).Kind);
        Assert.Equal(ServiceKind.Container, ServiceIdentity.Of(Side(process: "p", container: "c", unit: "u.service"), true, false).Kind);
        Assert.Equal(ServiceKind.Unit, ServiceIdentity.Of(Side(process: "p", unit: "u.service"), true, false).Kind);
        Assert.Equal(ServiceKind.Process, ServiceIdentity.Of(Side(process: "p"), true, false).Kind);
        Assert.Equal(ServiceKind.Unknown, ServiceIdentity.Of(Side(), true, false).Kind);
    }

    [Fact]
    public void Only_a_server_known_by_its_process_or_by_nothing_is_keyed_by_its_port()
    {
        Assert.Equal(5432, ServiceIdentity.Of(Side(process: "postgres"), server: true, false).Port);
        Assert.Equal(5432, ServiceIdentity.Of(Side(), server: true, false).Port);
        Assert.Equal(0, ServiceIdentity.Of(Side(process: "java", unit: "api.service"), server: true, false).Port);
        Assert.Equal(0, ServiceIdentity.Of(Side(process: "curl"), server: false, false).Port);
    }

    [Fact]
    public void An_unmonitored_end_is_placed_on_its_address_and_a_long_container_id_is_cut()
    {
        ServiceNode far = ServiceIdentity.Of(Side(host: null), server: true, false);
        Assert.Equal(("10.0.0.1", false, "port 5432"), (far.Host, far.HostMonitored, far.Title));
        string id = new('a', 64);
        Assert.Equal("aaaaaaaaaaaa", ServiceIdentity.Of(Side(container: id), true, false).Name);
        Assert.Equal("shop-frontend", ServiceIdentity.Of(Side(container: "shop-frontend"), true, false).Name);
    }

    [Fact]
    public void Grouped_across_hosts_a_named_service_loses_its_host_and_an_unnamed_one_keeps_it()
    {
        Assert.Equal(ServiceNode.AnyHost, ServiceIdentity.Of(Side(host: "web-07", process: "nginx"), false, acrossHosts: true).Host);
        Assert.Equal("db-01", ServiceIdentity.Of(Side(host: "db-01"), true, acrossHosts: true).Host);
    }

    [Fact]
    public void Connections_merge_into_one_edge_counting_bytes_ports_times_and_a_repeated_event_id_once()
    {
        var map = new ServiceMap();
        ConnectionLine Line(string id, int port, long up, long down, long start, long end, bool open = false) => new()
        {
            Client = Side(host: "web", process: "nginx", port: 40000 + port, bytes: up),
            Server = Side(host: "api", unit: "api.service", port: port, bytes: down),
            Transport = "tcp", Start = start, LastSeen = end, Open = open, EventId = id,
        };
        map.Add(Line("a", 8080, 10, 100, 5_000, 6_000));
        map.Add(Line("b", 9090, 20, 200, 1_000, 2_000, open: true));
        map.Add(Line("a", 8080, 10, 100, 5_000, 6_000));
        map.Add(Line("c", 8080, -1, -1, 7_000, 9_000));

        ServiceGraph graph = map.ToGraph();
        ServiceEdge edge = Assert.Single(graph.Edges);
        Assert.Equal((3L, 1L, 30L, 300L, 1_000L, 9_000L), (edge.Connections, edge.Open, edge.BytesToServer, edge.BytesToClient, edge.FirstSeen, edge.LastSeen));
        Assert.Equal(["8080/tcp", "9090/tcp"], edge.Ports.Select(static p => p.ToString()));
        Assert.Equal(1, map.Duplicates);
        Assert.Equal(["s1", "s2"], graph.Services.Select(graph.IdOf));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(1_572_864, "1.5 MiB")]
    [InlineData(1_048_575, "1.0 MiB")]
    [InlineData(5L << 40, "5.0 TiB")]
    public void Sizes_are_written_in_powers_of_1024_with_one_decimal(long bytes, string text) => Assert.Equal(text, ByteSize.Format(bytes));

    [Fact]
    public void Labels_cannot_break_out_of_their_quotes()
    {
        Assert.Equal("a\\\"b\\\\c\\nd", DotWriter.Escape("a\"b\\c\nd"));
        Assert.Equal("a#quot;b#lt;i#gt;", MermaidWriter.Escape("a\"b<i>"));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"server\":{\"ip\":\"1.2.3.4\",\"port\":1}}", "no client object")]
    [InlineData("{\"client\":{\"ip\":\"1.2.3.4\",\"port\":1},\"server\":{\"ip\":\"1.2.3.5\",\"port\":70000}}", "no server.port")]
    [InlineData("{\"client\":{\"ip\":\"1.2.3.4\",\"port\":1},\"server\":{\"ip\":\"1.2.3.5\",\"port\":2}}", "no network.transport")]
    [InlineData("{\"client\":{\"ip\":\"1.2.3.4\",\"port\":1},\"server\":{\"ip\":\"1.2.3.5\",\"port\":2},\"network\":{\"transport\":\"tcp\"}}", "no event.start or @timestamp")]
    public void A_line_that_is_not_a_connection_line_gives_a_reason(string text, string reason)
    {
        Assert.False(ConnectionLineParser.TryParse(text, out _, out string? error));
        Assert.StartsWith(reason, error);
    }
}
