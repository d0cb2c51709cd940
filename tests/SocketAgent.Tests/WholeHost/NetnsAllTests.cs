using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Encoders.Json;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// Two "hosts" in network namespaces joined by a veth pair, a listener in A and a client in B: the real CLI with
/// <c>--netns all</c> must show both namespaces' sockets, interfaces and routes, each tagged with its namespace,
/// and the host's own view must not contain them.
/// </summary>
public sealed class NetnsAllTests : IClassFixture<NetnsAllTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            if (TestNetns.Unavailable() is null)
            {
                Namespaces = TestNetns.Create("e2e", 2, veth: true).HoldConnection();
                AgentProcess.Result result = AgentProcess.Run("--once", "--netns", "all");
                Assert.True(result.ExitCode == 0, result.StandardError);
                Lines = new AgentLines(result.Lines);
                RawLines = result.Lines;
            }
        }

        public TestNetns? Namespaces { get; }
        public AgentLines? Lines { get; }
        public string[] RawLines { get; } = [];

        public void Dispose() => Namespaces?.Dispose();
    }

    private readonly Fixture _fixture;

    public NetnsAllTests(Fixture fixture)
    {
        _fixture = fixture;
        Assert.SkipWhen(fixture.Namespaces is null, TestNetns.Unavailable() ?? "namespaces unavailable");
    }

    private TestNetns Ns => _fixture.Namespaces!;
    private AgentLines Lines => _fixture.Lines!;

    private IEnumerable<JsonElement> In(string name, string dataset) => Lines.Documents.Where(d =>
        Str(d, "event.dataset") == dataset && Str(d, "netns.name") == name);

    [Fact]
    public void Every_line_is_schema_valid_and_names_its_namespace()
    {
        foreach (string line in _fixture.RawLines)
        {
            SchemaValidator.AssertValid(line);
        }
        Assert.All(Lines.Documents, d => Assert.NotNull(Num(d, "netns.inode")));
    }

    [Fact]
    public void The_listener_lives_in_A_and_the_client_in_B_with_their_processes()
    {
        ulong inodeA = TestNetns.Inode(Ns.NameA), inodeB = TestNetns.Inode(Ns.NameB);

        JsonElement listener = Assert.Single(In(Ns.NameA, "socket"), d =>
            LocalIp(d) == Ns.AddressA && LocalPort(d) == Ns.Port && Str(d, "socket.state") == "LISTEN");
        Assert.Equal((long)inodeA, Num(listener, "netns.inode"));
        Assert.Equal(Ns.ServerPid, Num(listener, "process.pid"));

        JsonElement client = Assert.Single(In(Ns.NameB, "socket"), d =>
            RemoteIp(d) == Ns.AddressA && RemotePort(d) == Ns.Port);
        Assert.Equal((long)inodeB, Num(client, "netns.inode"));
        Assert.Equal("ESTABLISHED", Str(client, "socket.state"));
        Assert.Equal(Ns.ClientPid, Num(client, "process.pid"));
        Assert.Equal(Ns.ClientPort, LocalPort(client));

        // The accepted end in A and the client in B are one flow: the same Community ID on both "hosts".
        JsonElement accepted = Assert.Single(In(Ns.NameA, "socket"), d =>
            LocalPort(d) == Ns.Port && RemotePort(d) == Ns.ClientPort);
        Assert.Equal(Str(client, "network.community_id"), Str(accepted, "network.community_id"));

        // netstat and ss on the host never see them; neither does the agent's own namespace.
        Assert.DoesNotContain(Lines.Documents, d => Str(d, "event.dataset") == "socket"
            && Str(d, "netns.name") is null && LocalPort(d) == Ns.Port && LocalIp(d) == Ns.AddressA);
    }

    [Fact]
    public void Interfaces_and_addresses_of_both_namespaces_appear()
    {
        JsonElement va = Assert.Single(In(Ns.NameA, "interface"), d => Str(d, "interface.name") == Ns.VethA);
        Assert.Contains($"{Ns.AddressA}/24", Get(va, "interface.addresses")!.Value.EnumerateArray().Select(static a => a.GetString()));
        Assert.Equal(1500, Num(va, "interface.mtu"));
        Assert.Equal("up", Str(va, "interface.state"));

        JsonElement vb = Assert.Single(In(Ns.NameB, "interface"), d => Str(d, "interface.name") == Ns.VethB);
        Assert.Contains($"{Ns.AddressB}/24", Get(vb, "interface.addresses")!.Value.EnumerateArray().Select(static a => a.GetString()));
        Assert.Contains(In(Ns.NameB, "interface"), d => Str(d, "interface.name") == "lo");
    }

    [Fact]
    public void Routes_of_both_namespaces_appear_in_their_tables()
    {
        JsonElement routed = Assert.Single(In(Ns.NameB, "route"), d => Str(d, "route.destination") == Ns.RoutedPrefix);
        Assert.Equal(Ns.AddressA, Str(routed, "route.gateway"));
        Assert.Equal(Ns.VethB, Str(routed, "route.interface"));
        Assert.Equal("main", Str(routed, "route.table"));
        Assert.Equal(7, Num(routed, "route.metric"));

        string connectedA = Ns.AddressA[..Ns.AddressA.LastIndexOf('.')] + ".0/24";
        Assert.Contains(In(Ns.NameA, "route"), d => Str(d, "route.destination") == connectedA && Str(d, "route.interface") == Ns.VethA);
        Assert.Contains(In(Ns.NameA, "route"), d => Str(d, "route.table") == "local" && Str(d, "route.destination") == Ns.AddressA + "/32");
        Assert.DoesNotContain(In(Ns.NameA, "route"), d => Str(d, "route.destination") == Ns.RoutedPrefix);
    }

    [Fact]
    public void Protocol_counters_are_collected_per_namespace()
    {
        JsonElement tcpA = Assert.Single(In(Ns.NameA, "netstat"), d => Str(d, "netstat.group") == "Tcp");
        JsonElement tcpB = Assert.Single(In(Ns.NameB, "netstat"), d => Str(d, "netstat.group") == "Tcp");
        // One connection each way in a fresh namespace: B opened it actively, A accepted it.
        Assert.Equal(1, Num(tcpB, "netstat.counters.ActiveOpens"));
        Assert.Equal(1, Num(tcpA, "netstat.counters.PassiveOpens"));
    }
}
