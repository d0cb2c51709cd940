using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// <c>netstat -r</c> from routes captured with <c>ip -j -d route show table all</c> in a network namespace holding a
/// gateway default route, a /32 host route, ADVMSS/WINDOW/RTT metrics, a multipath route, blackhole, unreachable
/// and prohibit routes, same-prefix routes on two devices, routes named by /etc/networks and /etc/hosts, and a route
/// in table 100 that netstat must not show. netstat's output was captured at the same moment.
/// </summary>
public sealed class NetstatRouteWriterTests
{
    private static List<RouteRecord> FixtureRoutes(string file, AddressFamily family) =>
        IpJson.Routes(File.ReadAllText(NetstatInterfaceWriterTests.FixturePath(file)), family, NetstatInterfaceWriterTests.FixtureInterfaces());

    private static List<RouteRecord> FixtureRoutes4() => FixtureRoutes("ip-route4.json", AddressFamily.InterNetwork);

    [Theory]
    [InlineData(0, "netstat-rn.txt")]
    [InlineData(1, "netstat-rne.txt")]
    [InlineData(2, "netstat-rnee.txt")]
    [InlineData(3, "netstat-rneee.txt")]
    public async Task Numeric_PrintsExactlyAsNetstat(int extend, string expectedFile)
    {
        string mine = await RenderAsync(FixtureRoutes4(), new NetstatRouteOptions { NumericHosts = true, ExtendCount = extend });
        Assert.Equal(File.ReadAllText(NetstatInterfaceWriterTests.FixturePath(expectedFile)), mine);
    }

    [Theory]
    [InlineData(0, "netstat-r.txt")]
    [InlineData(2, "netstat-ree.txt")]
    public async Task Names_PrintExactlyAsNetstat(int extend, string expectedFile)
    {
        // What the namespace's resolver knew: /etc/hosts only (DNS unreachable), /etc/networks for networks.
        var names = new FakeNames(new Dictionary<IPAddress, string> { [IPAddress.Loopback] = "localhost" });
        NetstatRouteNetworkNames networks = NetstatRouteNetworkNames.Parse(File.ReadAllText(NetstatInterfaceWriterTests.FixturePath("etc-networks.txt")));
        string mine = await RenderAsync(FixtureRoutes4(), new NetstatRouteOptions { ExtendCount = extend }, names, networks);
        Assert.Equal(File.ReadAllText(NetstatInterfaceWriterTests.FixturePath(expectedFile)), mine);
        Assert.Contains(IPAddress.Parse("10.77.0.9"), names.Asked);
        Assert.Contains(IPAddress.Parse("192.0.2.9"), names.Asked);
        Assert.DoesNotContain(IPAddress.Parse("10.77.0.0"), names.Asked); // networks go to /etc/networks
    }

    [Fact]
    public async Task Order_IsTrieOrder_WhateverTheInputOrder()
    {
        List<RouteRecord> routes = FixtureRoutes4();
        // Reverse whole groups of the same destination+prefix only: inside a group the kernel's order is kept.
        List<RouteRecord> shuffled = routes.GroupBy(r => (r.Destination, r.DestinationPrefixLength)).Reverse().SelectMany(g => g).ToList();
        string mine = await RenderAsync(shuffled, new NetstatRouteOptions { NumericHosts = true });
        Assert.Equal(File.ReadAllText(NetstatInterfaceWriterTests.FixturePath("netstat-rn.txt")), mine);
    }

    [Fact]
    public async Task Ipv6_MatchesNetstat_ExceptTheRefColumn()
    {
        List<RouteRecord> routes = FixtureRoutes("ip-route6.json", AddressFamily.InterNetworkV6);
        string mine = await RenderAsync(routes, new NetstatRouteOptions { NumericHosts = true, Families = IpFamilySet.IPv6 });
        string[] expected = File.ReadAllText(NetstatInterfaceWriterTests.FixturePath("netstat-rn6.txt")).Split('\n');
        string[] actual = mine.Split('\n');
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // Ref (fib6_ref) is not in rtnetlink; everything else must match byte for byte.
            Assert.Equal(MaskRef(expected[i]), MaskRef(actual[i]));
        }
    }

    private static string MaskRef(string line)
    {
        if (!line.Contains('/') || line.Length < 72)
        {
            return line;
        }
        // "%-30s %-26s %-4s %-3d %-1d %6d %s": the Ref field is the token after the metric.
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        fields[4] = "R";
        return string.Join(' ', fields);
    }

    [Fact]
    public async Task TablesOtherThanMain_AndBroadcastRoutes_AreNotListed()
    {
        string mine = await RenderAsync(FixtureRoutes4(), new NetstatRouteOptions { NumericHosts = true });
        Assert.DoesNotContain("172.16.0.0", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("10.77.0.255", mine, StringComparison.Ordinal);
    }

    [Fact]
    public void NetworkNames_ParseLikeInetNetwork()
    {
        NetstatRouteNetworkNames names = NetstatRouteNetworkNames.Parse("# c\nloopback 127.0.0.0\nshort 10 alias\nhex 0x0a.1 # x\nbad 1.2.3.4.5\n\n");
        Assert.Equal("loopback", names.Lookup(0x7F000000));
        Assert.Equal("short", names.Lookup(10));
        Assert.Equal("hex", names.Lookup(0x0A01));
        Assert.Null(names.Lookup(0x01020304));
        Assert.Same(NetstatRouteNetworkNames.Empty, NetstatRouteNetworkNames.Load("/nonexistent/networks"));
    }

    internal static async Task<string> RenderAsync(
        IReadOnlyList<RouteRecord> routes, NetstatRouteOptions options, INameResolver? names = null, NetstatRouteNetworkNames? networks = null)
    {
        var writer = new StringWriter();
        await new NetstatRouteWriter(options, names ?? NumericNameResolver.Instance, networks).WriteAsync(routes, writer, CancellationToken.None);
        return writer.ToString();
    }

    private sealed class FakeNames(Dictionary<IPAddress, string> hosts) : INameResolver
    {
        public List<IPAddress> Asked { get; } = [];

        public Task PrepareHostsAsync(IReadOnlyCollection<IPAddress> addresses, CancellationToken cancellationToken)
        {
            Asked.AddRange(addresses);
            return Task.CompletedTask;
        }

        public string? HostName(IPAddress address) => hosts.GetValueOrDefault(address);

        public string? ServiceName(int port, Transport transport) => null;

        public string? UserName(uint uid) => null;
    }
}
