using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>The /proc/net fallback on the files capture.py saved from the same namespace as the netlink dumps.</summary>
public class ProcNetRouteReaderTests
{
    private static readonly NetworkState s_netlink = RtnetlinkFixtures.Collect().State;

    private static NetworkState ReadFixture(out CollectionDiagnostics diagnostics)
    {
        diagnostics = new CollectionDiagnostics();
        return new ProcNetRouteReader(RtnetlinkFixtures.ProcNetDirectory).Read(diagnostics);
    }

    [Fact]
    public void Interfaces_AreThoseOfNetDev_WithIndexesAndIpv6AddressesFromIfInet6()
    {
        NetworkState state = ReadFixture(out CollectionDiagnostics diagnostics);

        Assert.Empty(diagnostics.Counters);
        Assert.Equal("procfs", state.Source);
        Assert.Equal(s_netlink.Interfaces.Select(i => (i.Name, i.Index)), state.Interfaces.Select(i => (i.Name, i.Index)));
        foreach (InterfaceRecord link in state.Interfaces)
        {
            InterfaceRecord netlink = s_netlink.Interfaces.Single(i => i.Name == link.Name);
            Assert.Equal(
                netlink.Addresses.Where(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6).Select(a => (a.Cidr, a.Scope)).Order(),
                link.Addresses.Select(a => (a.Cidr, a.Scope)).Order());
        }

        InterfaceAddress v0 = state.Interfaces.Single(i => i.Name == "v0").Addresses.Single(a => a.Scope == 0);
        Assert.Equal(IPAddress.Parse("2001:db8:1::3"), v0.Address);
        Assert.Equal(0x82u, v0.Flags);
    }

    [Fact]
    public void Counters_AreThoseOfNetlink_WithTheKernelsSums()
    {
        var devices = new List<(string Name, InterfaceCounters Counters)>();
        Assert.Equal(0, ProcNetDevParser.Parse(RtnetlinkFixtures.ProcNet("dev"), devices));

        InterfaceCounters v0 = devices.Single(d => d.Name == "v0").Counters;
        Assert.Equal((552ul, 4ul, 664ul, 6ul), (v0.RxBytes, v0.RxPackets, v0.TxBytes, v0.TxPackets));
        Assert.Equal((152ul, 2ul, 2ul), (devices.Single(d => d.Name == "br0").Counters.RxBytes, devices.Single(d => d.Name == "br0").Counters.RxPackets, devices.Single(d => d.Name == "br0").Counters.Multicast));
    }

    [Fact]
    public void Ipv4Routes_AreTheMainTableOfNetlink()
    {
        NetworkState state = ReadFixture(out _);
        List<RouteRecord> proc = state.Routes.Where(r => r.Family == AddressFamily.InterNetwork).ToList();

        // /proc/net/route skips broadcast and multicast routes and shows the first hop of a multipath route.
        var expected = s_netlink.Routes.Where(r => r.Family == AddressFamily.InterNetwork && r.Table == 254 && r.Type is not (3 or 5))
            .Select(r => $"{r.Destination}/{r.DestinationPrefixLength} dev={r.OutputInterfaceName ?? r.NextHops.FirstOrDefault()?.InterfaceName ?? "-"} " +
                $"gw={(r.Gateway?.AddressFamily == AddressFamily.InterNetwork ? r.Gateway : r.NextHops.FirstOrDefault()?.Gateway)?.ToString() ?? "-"} metric={r.Metric} type={r.Type} " +
                $"mtu={r.Mtu} window={r.Window} rtt={r.InitialRtt}");
        var actual = proc.Select(r => $"{r.Destination}/{r.DestinationPrefixLength} dev={r.OutputInterfaceName ?? "-"} gw={r.Gateway?.ToString() ?? "-"} " +
            $"metric={r.Metric} type={r.Type} mtu={r.Mtu} window={r.Window} rtt={r.InitialRtt}");
        IpJson.AssertSameSets(expected, actual, "IPv4 routes");

        RouteRecord connected = proc.Single(r => r.Destination.Equals(IPAddress.Parse("10.1.2.0")));
        Assert.Equal((2, (byte)253, 254u), (connected.OutputInterfaceIndex, connected.Scope, connected.Table));
        Assert.Equal((byte)32, proc.Single(r => r.Destination.Equals(IPAddress.Parse("10.7.0.2"))).DestinationPrefixLength);
    }

    [Fact]
    public void Ipv6Routes_AreEveryTableOfNetlink_OneLinePerHop()
    {
        NetworkState state = ReadFixture(out _);

        // Blackhole and unreachable look the same in the file (RTF_REJECT); there is no table column.
        var expected = s_netlink.Routes.Where(r => r.Family == AddressFamily.InterNetworkV6)
            .SelectMany(r => r.NextHops.Count == 0
                ? [(r.Destination, r.DestinationPrefixLength, r.Source, r.Gateway, Dev: r.OutputInterfaceName, r.Metric, Type: r.Type == 6 ? (byte)7 : r.Type)]
                : r.NextHops.Select(h => (r.Destination, r.DestinationPrefixLength, r.Source, h.Gateway, Dev: h.InterfaceName, r.Metric, r.Type)))
            .Select(k => k.ToString());
        var actual = state.Routes.Where(r => r.Family == AddressFamily.InterNetworkV6)
            .Select(r => (r.Destination, r.DestinationPrefixLength, r.Source, r.Gateway, Dev: r.OutputInterfaceName, r.Metric, r.Type).ToString());
        IpJson.AssertSameSets(expected, actual, "IPv6 routes");
    }

    [Fact]
    public void MissingFiles_AreCounted()
    {
        var diagnostics = new CollectionDiagnostics();
        NetworkState state = new ProcNetRouteReader(Path.Combine(RtnetlinkFixtures.Directory, "no-such-dir")).Read(diagnostics);

        Assert.Empty(state.Interfaces);
        Assert.Empty(state.Routes);
        Assert.Equal(4, diagnostics.Get(ProcfsCounters.FilesMissing));
    }

    [Fact]
    public void MalformedLines_AreSkippedAndCounted()
    {
        var routes = new List<RouteRecord>();
        var indexes = new Dictionary<string, int>();
        string text = "Iface\tDestination\tGateway\n" +
            "eth0\t0002010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
            "eth0\tZZ02010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +   // not hex
            "eth0\t0002010A\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n" +   // holes in the mask
            "eth0\t0002010A\n";                                                // cut short
        Assert.Equal(3, ProcNetRouteParser.Parse(System.Text.Encoding.ASCII.GetBytes(text), indexes, routes));
        Assert.Equal("10.1.2.0/24", $"{Assert.Single(routes).Destination}/{routes[0].DestinationPrefixLength}");

        var devices = new List<(string, InterfaceCounters)>();
        string dev = "Inter-|   Receive\n face |bytes\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  eth1: 1 2 3\nbogus\n eth2:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
        Assert.Equal(2, ProcNetDevParser.Parse(System.Text.Encoding.ASCII.GetBytes(dev), devices));
        Assert.Equal(["eth0", "eth2"], devices.Select(d => d.Item1));
    }
}
