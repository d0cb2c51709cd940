using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Correlation.ExpectedServiceMap;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// <c>socket-agent map</c> on a recorded multi-host stream of correlate's lines: every format names the same
/// services, grouped by host, and the same edges with their counts, ports and bytes — read back from each format's
/// structure (DOT statements, Mermaid lines, JSON, the SVG's XML), not compared as text.
/// </summary>
public sealed partial class ServiceMapTests
{
    [Fact]
    public void Dot_has_a_cluster_per_host_a_box_per_service_and_one_labelled_edge_per_pair()
    {
        ToolProcess.Result result = MapCli.Run(MapCli.Fixture);
        Assert.True(result.ExitCode == 0, result.Describe());
        string dot = result.StandardOutputText;
        Assert.StartsWith("digraph ", dot);

        // Clusters: "subgraph cluster_hN {" then its label; nodes: "sN [label=...]" inside the cluster they sit in.
        var nodes = new Dictionary<string, Service>();
        string? host = null;
        foreach (string line in dot.Split('\n'))
        {
            if (ClusterLabel().Match(line) is { Success: true } cluster)
            {
                host = Unescape(cluster.Groups[1].Value);
            }
            else if (NodeStatement().Match(line) is { Success: true } node)
            {
                Assert.NotNull(host);
                string[] label = Unescape(node.Groups[2].Value).Split('\n');
                nodes.Add(node.Groups[1].Value, new Service(host, label[0], label[1]));
            }
        }
        Assert.Equal(Services.OrderBy(static s => s.Title), nodes.Values.OrderBy(static s => s.Title));

        var edges = dot.Split('\n').Select(static l => EdgeStatement().Match(l)).Where(static m => m.Success)
            .Select(m => (Client: nodes[m.Groups[1].Value], Server: nodes[m.Groups[2].Value], Label: Unescape(m.Groups[3].Value))).ToList();
        Assert.Equal(Edges.Length, edges.Count);
        foreach (Edge expected in Edges)
        {
            var edge = Assert.Single(edges, e => e.Client == expected.Client && e.Server == expected.Server);
            AssertLabel(expected, edge.Label.Split('\n'));
        }
        Assert.Contains("24 connections (1 repeated, counted once), 6 services, 5 edges", result.StandardError);
    }

    [Fact]
    public void Mermaid_has_a_subgraph_per_host_a_node_per_service_and_one_labelled_edge_per_pair()
    {
        ToolProcess.Result result = MapCli.Run("--format", "mermaid", MapCli.Fixture);
        Assert.True(result.ExitCode == 0, result.Describe());
        string[] lines = result.StandardOutputText.Split('\n');
        Assert.Equal("flowchart LR", lines[0]);

        var nodes = new Dictionary<string, Service>();
        var hosts = new List<string>();
        string? host = null;
        foreach (string line in lines)
        {
            if (MermaidSubgraph().Match(line) is { Success: true } subgraph)
            {
                host = subgraph.Groups[1].Value;
                hosts.Add(host);
            }
            else if (line.Trim() == "end")
            {
                host = null;
            }
            else if (MermaidNode().Match(line) is { Success: true } node)
            {
                Assert.NotNull(host);
                string[] label = node.Groups[2].Value.Split("<br/>");
                nodes.Add(node.Groups[1].Value, new Service(host, label[0], label[1]));
            }
        }
        Assert.Equal(Hosts, hosts);
        Assert.Equal(Services.OrderBy(static s => s.Title), nodes.Values.OrderBy(static s => s.Title));

        var edges = lines.Select(static l => MermaidEdge().Match(l)).Where(static m => m.Success)
            .Select(m => (Client: nodes[m.Groups[1].Value], Server: nodes[m.Groups[3].Value], Label: m.Groups[2].Value)).ToList();
        Assert.Equal(Edges.Length, edges.Count);
        foreach (Edge expected in Edges)
        {
            var edge = Assert.Single(edges, e => e.Client == expected.Client && e.Server == expected.Server);
            AssertLabel(expected, edge.Label.Split("<br/>"));
        }
    }

    [Fact]
    public void Json_lists_services_and_edges_with_counts_bytes_ports_and_times()
    {
        ToolProcess.Result result = MapCli.Run("--format", "json", MapCli.Fixture);
        Assert.True(result.ExitCode == 0, result.Describe());
        JsonElement map = JsonDocument.Parse(result.StandardOutput).RootElement;

        var services = map.GetProperty("services").EnumerateArray().ToDictionary(static s => s.GetProperty("id").GetString()!);
        Assert.Equal(6, services.Count);
        JsonElement unit = Assert.Single(services.Values, static s => s.GetProperty("kind").GetString() == "unit");
        Assert.Equal(("api-01", "orders-api.service"), (unit.GetProperty("host").GetString(), unit.GetProperty("name").GetString()));
        JsonElement container = Assert.Single(services.Values, static s => s.GetProperty("kind").GetString() == "container");
        Assert.Equal(("web-01", "shop-frontend"), (container.GetProperty("host").GetString(), container.GetProperty("name").GetString()));
        JsonElement dns = Assert.Single(services.Values, static s => !s.GetProperty("host_monitored").GetBoolean());
        Assert.Equal(("10.20.0.2", "unknown", 53), (dns.GetProperty("host").GetString(), dns.GetProperty("kind").GetString(), dns.GetProperty("port").GetInt32()));

        string Name(string id) => services[id].TryGetProperty("name", out JsonElement n) ? n.GetString()! : $"port {services[id].GetProperty("port").GetInt32()}";
        JsonElement[] edges = [.. map.GetProperty("edges").EnumerateArray()];
        Assert.Equal(Edges.Length, edges.Length);
        foreach (Edge expected in Edges)
        {
            JsonElement edge = Assert.Single(edges, e => Name(e.GetProperty("client").GetString()!) == expected.Client.Title
                                                        && Name(e.GetProperty("server").GetString()!) == expected.Server.Title);
            Assert.Equal(expected.Connections, edge.GetProperty("connections").GetInt32());
            Assert.Equal(expected.Ports, edge.GetProperty("ports").EnumerateArray()
                .Select(static p => $"{p.GetProperty("port").GetInt32()}/{p.GetProperty("transport").GetString()}"));
            JsonElement bytes = edge.GetProperty("bytes");
            if (expected.HasBytes)
            {
                (long toServer, long toClient) = Bytes(ClientOwner(expected), [.. expected.Ports.Select(static p => int.Parse(p[..p.IndexOf('/')]))]);
                Assert.Equal(toServer, bytes.GetProperty("client_to_server").GetInt64());
                Assert.Equal(toClient, bytes.GetProperty("server_to_client").GetInt64());
            }
            else
            {
                Assert.Empty(bytes.EnumerateObject());
            }
            Assert.True(edge.GetProperty("first_seen").GetDateTimeOffset() <= edge.GetProperty("last_seen").GetDateTimeOffset());
        }
        JsonElement cache = Assert.Single(edges, e => Name(e.GetProperty("server").GetString()!) == "redis-server");
        Assert.Equal(1, cache.GetProperty("open").GetInt32());
        Assert.Equal("2026-11-25T15:31:09.694603755Z", cache.GetProperty("first_seen").GetString());
    }

    [Fact]
    public void Svg_drawn_by_graphviz_shows_every_service_and_edge_with_its_label()
    {
        Assert.SkipWhen(MapCli.FindOnPath("dot") is null,
            "Graphviz's dot is not installed (tests/run-tests.sh installs the graphviz package); the SVG cannot be rendered");
        string path = Path.Combine(Path.GetTempPath(), $"socket-agent-map-{Guid.NewGuid():N}.svg");
        try
        {
            ToolProcess.Result result = MapCli.Run("--format", "svg", "-o", path, MapCli.Fixture);
            Assert.True(result.ExitCode == 0, result.Describe());
            Assert.Empty(result.StandardOutput); // -o: the picture goes to the file only

            XNamespace svg = "http://www.w3.org/2000/svg";
            XDocument picture = XDocument.Load(path);
            Assert.Equal(svg + "svg", picture.Root!.Name);
            IEnumerable<XElement> Groups(string kind) => picture.Descendants(svg + "g").Where(g => (string?)g.Attribute("class") == kind);
            static string Title(XElement g) => g.Element(XName.Get("title", "http://www.w3.org/2000/svg"))!.Value;
            static string[] Texts(XElement g) => [.. g.Descendants(XName.Get("text", "http://www.w3.org/2000/svg")).Select(static t => t.Value)];

            // Hosts are clusters, their label their text.
            Assert.Equal(Hosts.Order(), Groups("cluster").Select(static g => Texts(g).Single()).Order());

            // Nodes: <g class="node"><title>sN</title>…<text>name</text><text>detail</text></g>.
            var nodes = Groups("node").ToDictionary(Title, g => Texts(g));
            Assert.Equal(Services.Length, nodes.Count);
            foreach (Service service in Services)
            {
                Assert.Single(nodes.Values, t => t.SequenceEqual([service.Title, service.Detail]));
            }
            string IdOf(Service s) => nodes.Single(n => n.Value[0] == s.Title).Key;

            // Edges: <g class="edge"><title>sA->sB</title>…<text>label lines</text></g>.
            var edges = Groups("edge").ToDictionary(Title, g => Texts(g));
            Assert.Equal(Edges.Length, edges.Count);
            foreach (Edge expected in Edges)
            {
                Assert.True(edges.TryGetValue($"{IdOf(expected.Client)}->{IdOf(expected.Server)}", out string[]? label),
                    $"no edge {expected.Client.Title} -> {expected.Server.Title} in the SVG");
                AssertLabel(expected, label);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Svg_without_graphviz_is_a_clear_error_that_suggests_dot()
    {
        string empty = Directory.CreateTempSubdirectory("socket-agent-no-dot-").FullName;
        try
        {
            ToolProcess.Result result = MapCli.Run(["--format", "svg", MapCli.Fixture], ReadOnlyMemory<byte>.Empty, path: empty);

            Assert.Equal(1, result.ExitCode);
            Assert.Empty(result.StandardOutput);
            string error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("socket-agent: map: --format svg needs Graphviz", error);
            Assert.Contains("apt-get install graphviz", error);
            Assert.Contains("--format dot", error);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void Bad_lines_on_stdin_are_counted_and_reported_once_and_change_nothing()
    {
        byte[] fixture = File.ReadAllBytes(MapCli.Fixture);
        byte[] noisy = [.. Encoding.UTF8.GetBytes("not json at all\n"), .. fixture,
            .. Encoding.UTF8.GetBytes("{\"client\":{\"ip\":\"10.0.0.1\"}}\n[1,2]\n{\"truncated\":\n")];

        ToolProcess.Result clean = MapCli.Run(["--format", "json", "-"], fixture);
        ToolProcess.Result result = MapCli.Run(["--format", "json", "-"], noisy);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(clean.StandardOutputText, result.StandardOutputText);
        string warning = Assert.Single(result.StandardError.Split('\n'), static l => l.Contains("warning", StringComparison.Ordinal));
        Assert.StartsWith("socket-agent: warning: map: 4 of 29 lines are not connection lines", warning);
        Assert.Contains("stdin:1: not JSON", warning);
    }

    [Fact]
    public void Output_is_the_same_bytes_whatever_the_order_of_the_lines()
    {
        string[] lines = File.ReadAllLines(MapCli.Fixture);
        byte[] reversed = Encoding.UTF8.GetBytes(string.Join('\n', lines.Reverse()) + "\n");
        byte[] shuffled = Encoding.UTF8.GetBytes(string.Join('\n', lines.OrderBy(static l => l.GetHashCode(StringComparison.Ordinal))) + "\n");
        foreach (string format in new[] { "dot", "mermaid", "json" })
        {
            string expected = MapCli.Run("--format", format, MapCli.Fixture).StandardOutputText;
            Assert.Equal(expected, MapCli.Run(["--format", format, "-"], reversed).StandardOutputText);
            Assert.Equal(expected, MapCli.Run(["--format", format, "-"], shuffled).StandardOutputText);
        }
    }

    [Fact]
    public void Grouped_by_service_one_node_stands_for_a_service_on_every_host()
    {
        // A second web host running the same container: its lines are web-01's, renamed, with their own event.id.
        string[] lines = File.ReadAllLines(MapCli.Fixture);
        IEnumerable<string> web02 = lines.Where(static l => l.Contains("shop-frontend", StringComparison.Ordinal))
            .Select(static l => l.Replace("\"name\":\"web-01\"", "\"name\":\"web-02\"", StringComparison.Ordinal)
                .Replace("\"id\":\"", "\"id\":\"2", StringComparison.Ordinal));
        byte[] fleet = Encoding.UTF8.GetBytes(string.Join('\n', lines.Concat(web02)) + "\n");

        ToolProcess.Result json = MapCli.Run(["--group-by", "service", "--format", "json", "-"], fleet);
        Assert.True(json.ExitCode == 0, json.Describe());
        JsonElement map = JsonDocument.Parse(json.StandardOutput).RootElement;
        var services = map.GetProperty("services").EnumerateArray().ToDictionary(static s => s.GetProperty("id").GetString()!);
        Assert.Equal(6, services.Count);
        JsonElement frontend = Assert.Single(services.Values, static s => s.TryGetProperty("name", out JsonElement n) && n.GetString() == "shop-frontend");
        Assert.False(frontend.TryGetProperty("host", out _));
        Assert.Equal(["web-01", "web-02"], frontend.GetProperty("hosts").EnumerateArray().Select(static h => h.GetString()));
        JsonElement edge = Assert.Single(map.GetProperty("edges").EnumerateArray(), e => e.GetProperty("client").GetString() == frontend.GetProperty("id").GetString());
        Assert.Equal(12, edge.GetProperty("connections").GetInt32());

        // In the picture: outside any host's box, saying how many hosts; a host nobody watches keeps its box.
        string dot = MapCli.Run(["--group-by", "service", "-"], fleet).StandardOutputText;
        Assert.Contains("[label=\"shop-frontend\\ncontainer · 2 hosts\"", dot);
        Assert.Contains("[label=\"orders-api.service\\nsystemd unit · api-01\"", dot);
        Assert.Equal(["10.20.0.2 (not monitored)"], dot.Split('\n').Select(static l => ClusterLabel().Match(l)).Where(static m => m.Success).Select(static m => m.Groups[1].Value));
    }

    [Fact]
    public void Help_names_every_option_the_formats_and_what_svg_needs()
    {
        ToolProcess.Result result = MapCli.Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string word in new[] { "--format", "--group-by", "--output", "--kafka-bootstrap-servers", "--kafka-topic", "--kafka-property",
                     "dot|mermaid|svg|json", "apt-get install graphviz", "socket-agent.connections", "Example" })
        {
            Assert.Contains(word, result.StandardOutputText);
        }
    }

    [Theory]
    [InlineData("--format", "png", "x.jsonl")]
    [InlineData("--bogus", "x.jsonl")]
    [InlineData("--group-by", "rack", "x.jsonl")]
    [InlineData]
    [InlineData("--kafka-property", "nokey", "--kafka-bootstrap-servers", "127.0.0.1:9")]
    public void Bad_usage_is_one_line_and_exit_code_2(params string[] args)
    {
        ToolProcess.Result result = MapCli.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.StartsWith("socket-agent: map: ", Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>A label's first line says the ports and the count; the second the bytes each way, when any are known.</summary>
    private static void AssertLabel(Edge expected, string[] label)
    {
        Assert.Equal($"{string.Join(", ", expected.Ports)} · {expected.Connections} conns", label[0]);
        if (expected.HasBytes)
        {
            // Graphviz writes the second of two spaces as a no-break space in SVG text.
            Assert.Matches(@"^→ \d+(\.\d)? (B|KiB|MiB)\s+← \d+(\.\d)? (B|KiB|MiB)$", label[1]);
        }
        else
        {
            Assert.Single(label);
        }
    }

    private static string ClientOwner(Edge edge) => edge.Client == OrdersApi ? "java" : edge.Client.Title;

    private static string Unescape(string dot) => dot.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal);

    [GeneratedRegex("""^\s*label="((?:[^"\\]|\\.)*)"; labeljust""")]
    private static partial Regex ClusterLabel();

    [GeneratedRegex(""""^\s*(s\d+) \[label="((?:[^"\\]|\\.)*)"[,\]]"""")]
    private static partial Regex NodeStatement();

    [GeneratedRegex(""""^\s*(s\d+) -> (s\d+) \[label="((?:[^"\\]|\\.)*)"[,\]]"""")]
    private static partial Regex EdgeStatement();

    [GeneratedRegex("""^\s*subgraph h\d+\["(.*)"\]$""")]
    private static partial Regex MermaidSubgraph();

    [GeneratedRegex("""^\s*(s\d+)\["(.*)"\]$""")]
    private static partial Regex MermaidNode();

    [GeneratedRegex("""^\s*(s\d+) -->\|"(.*)"\| (s\d+)$""")]
    private static partial Regex MermaidEdge();
}
