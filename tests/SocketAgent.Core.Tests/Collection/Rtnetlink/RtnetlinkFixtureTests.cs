using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>The captured dumps of the namespace capture.py built, parsed field by field and checked against <c>ip</c>.</summary>
public class RtnetlinkFixtureTests
{
    private static readonly NetworkState s_state = RtnetlinkFixtures.Collect().State;

    private static InterfaceRecord Link(string name) => s_state.Interfaces.Single(i => i.Name == name);

    private static RouteRecord Route(string destination, byte prefix, uint table = 254) =>
        s_state.Routes.Single(r => r.Destination.Equals(IPAddress.Parse(destination)) && r.DestinationPrefixLength == prefix && r.Table == table && r.Type == 1);

    [Fact]
    public void Collect_RequestsEachDumpWithTheRightHeader()
    {
        (_, RtnetlinkDumper dumper, var diagnostics, var transport) = RtnetlinkFixtures.Collect();

        Assert.Equal(4, dumper.SucceededDumps);
        Assert.Equal(0, dumper.FailedDumps);
        Assert.Empty(diagnostics.Counters);
        // (type, body length, family) of each request: ifinfomsg, ifaddrmsg, rtmsg ×2.
        Assert.Equal(
            [(18, 16, 0), (22, 8, 0), (26, 12, 2), (26, 12, 10)],
            transport.Requests.Select(r => ((int)BitConverter.ToUInt16(r, 4), r.Length - 16, (int)r[16])));
        Assert.All(transport.Requests, r => Assert.Equal(0x301, BitConverter.ToUInt16(r, 6)));
    }

    [Fact]
    public void Links_HaveEveryField()
    {
        Assert.Equal(["lo", "v0", "w0", "br0", "b0"], s_state.Interfaces.Select(i => i.Name));

        InterfaceRecord lo = Link("lo");
        Assert.Equal(1, lo.Index);
        Assert.Equal(65536u, lo.Mtu);
        Assert.Equal((ushort)772, lo.LinkType);
        Assert.Equal(0x1u | 0x8u | 0x40u | 0x10000u, lo.Flags & (0x1u | 0x8u | 0x40u | 0x10000u));
        Assert.Equal(new byte[6], lo.HardwareAddress);
        Assert.Null(lo.Kind);

        InterfaceRecord v0 = Link("v0");
        Assert.Equal(2, v0.Index);
        Assert.Equal((ushort)1, v0.LinkType);
        Assert.Equal(1500u, v0.Mtu);
        Assert.Equal(new byte[] { 0x02, 0, 0, 0, 0, 0xa0 }, v0.HardwareAddress);
        Assert.Equal((byte)6, v0.OperState);
        Assert.Equal("veth", v0.Kind);
        Assert.Equal("noqueue", v0.Qdisc);
        Assert.Equal(2, v0.ParentIndex);  // v1's index in the peer namespace
        Assert.Equal(0, v0.MasterIndex);

        Assert.Equal(1400u, Link("w0").Mtu);
        Assert.Equal("bridge", Link("br0").Kind);
        Assert.Equal(Link("br0").Index, Link("b0").MasterIndex);
    }

    [Fact]
    public void Links_MatchIp() =>
        IpJson.AssertSameSets(
            RtnetlinkFixtures.Ip("ip-link").EnumerateArray().Select(l => IpJson.LinkKey(l, IpJson.IndexLookup(s_state))),
            s_state.Interfaces.Select(IpJson.LinkKey),
            "links");

    [Fact]
    public void Counters_MatchIp()
    {
        // capture.py ran `ip -s link` just after the dump; IPv6 neighbour and MLD traffic may have moved a counter a bit.
        foreach (var link in RtnetlinkFixtures.Ip("ip-link").EnumerateArray())
        {
            InterfaceCounters c = Link(link.GetProperty("ifname").GetString()!).Counters;
            var rx = link.GetProperty("stats64").GetProperty("rx");
            var tx = link.GetProperty("stats64").GetProperty("tx");
            AssertClose(rx.GetProperty("bytes").GetUInt64(), c.RxBytes, 1000);
            AssertClose(rx.GetProperty("packets").GetUInt64(), c.RxPackets, 10);
            AssertClose(rx.GetProperty("multicast").GetUInt64(), c.Multicast, 10);
            AssertClose(tx.GetProperty("bytes").GetUInt64(), c.TxBytes, 1000);
            AssertClose(tx.GetProperty("packets").GetUInt64(), c.TxPackets, 10);
            Assert.Equal(tx.GetProperty("collisions").GetUInt64(), c.Collisions);
        }

        // The exact values of the dump, as the kernel sent them.
        Assert.Equal(552ul, Link("v0").Counters.RxBytes);
        Assert.Equal(4ul, Link("v0").Counters.RxPackets);
        Assert.Equal(664ul, Link("v0").Counters.TxBytes);
        Assert.Equal(6ul, Link("v0").Counters.TxPackets);
        Assert.Equal(0ul, Link("v0").Counters.RxNoHandler);
    }

    /// <summary><paramref name="later"/> was read after <paramref name="ours"/>: counters only grow, and not by much.</summary>
    internal static void AssertClose(ulong later, ulong ours, ulong tolerance) =>
        Assert.True(ours <= later && later - ours <= tolerance, $"expected {ours} <= {later} <= {ours} + {tolerance}");

    [Fact]
    public void Addresses_HaveEveryField()
    {
        InterfaceRecord v0 = Link("v0");
        Assert.Equal(["10.1.2.3/24", "10.1.2.4/24", "2001:db8:1::3/64", "fe80::ff:fe00:a0/64"], v0.Addresses.Select(a => a.Cidr));

        InterfaceAddress primary = v0.Addresses[0];
        Assert.Equal(IPAddress.Parse("10.1.2.255"), primary.Broadcast);
        Assert.Equal("v0", primary.Label);
        Assert.Null(primary.Peer);
        Assert.Equal((byte)0, primary.Scope);
        Assert.Equal(0x80u, primary.Flags);                      // PERMANENT

        Assert.Equal("v0:1", v0.Addresses[1].Label);
        Assert.Equal(0x81u, v0.Addresses[1].Flags);              // SECONDARY | PERMANENT
        Assert.Equal(0x82u, v0.Addresses[2].Flags & 0xFF);       // NODAD | PERMANENT
        Assert.Equal((byte)253, v0.Addresses[3].Scope);          // link

        InterfaceAddress p2p = Link("w0").Addresses.Single(a => a.PrefixLength == 32);
        Assert.Equal(IPAddress.Parse("10.7.0.1"), p2p.Address);  // IFA_LOCAL
        Assert.Equal(IPAddress.Parse("10.7.0.2"), p2p.Peer);     // IFA_ADDRESS

        Assert.Equal(["127.0.0.1/8", "::1/128"], Link("lo").Addresses.Select(a => a.Cidr));
        Assert.Equal((byte)254, Link("lo").Addresses[0].Scope);
    }

    [Fact]
    public void Addresses_MatchIp() =>
        IpJson.AssertSameSets(
            RtnetlinkFixtures.Ip("ip-addr").EnumerateArray().SelectMany(IpJson.AddressKeys),
            s_state.Interfaces.SelectMany(IpJson.AddressKeys),
            "addresses");

    [Fact]
    public void Routes_MatchIpRouteShowTableAll() =>
        IpJson.AssertSameSets(
            RtnetlinkFixtures.Ip("ip-route4").EnumerateArray().Concat(RtnetlinkFixtures.Ip("ip-route6").EnumerateArray()).Select(IpJson.RouteKey),
            s_state.Routes.Select(IpJson.RouteKey),
            "routes");

    [Fact]
    public void Routes_CoverEveryTable()
    {
        Assert.Equal([100u, 254u, 255u], s_state.Routes.Select(r => r.Table).Distinct().Order());
        Assert.True(s_state.Routes.TakeWhile(r => r.Family == AddressFamily.InterNetwork).Count() == s_state.Routes.Count(r => r.Family == AddressFamily.InterNetwork));
    }

    [Fact]
    public void Routes_HaveEveryField()
    {
        RouteRecord viaGateway = Route("203.0.113.0", 24);
        Assert.Equal(AddressFamily.InterNetwork, viaGateway.Family);
        Assert.Equal(IPAddress.Parse("10.1.2.1"), viaGateway.Gateway);
        Assert.Equal(Link("v0").Index, viaGateway.OutputInterfaceIndex);
        Assert.Equal("v0", viaGateway.OutputInterfaceName);
        Assert.Equal(50u, viaGateway.Metric);
        Assert.Equal((byte)3, viaGateway.Protocol);   // boot: added by `ip route`
        Assert.Equal((byte)0, viaGateway.Scope);
        Assert.Empty(viaGateway.NextHops);

        RouteRecord policyDefault = Route("0.0.0.0", 0, table: 100);
        Assert.Equal(IPAddress.Any, policyDefault.Destination);
        Assert.Equal(IPAddress.Parse("10.1.2.1"), policyDefault.Gateway);

        RouteRecord metrics = Route("172.16.0.0", 16);
        Assert.Equal(1400u, metrics.Mtu);
        Assert.Equal(1360u, metrics.AdvertisedMss);
        Assert.Equal(65535u, metrics.Window);
        Assert.Equal(80u, metrics.InitialRtt);        // 10 ms in the kernel's 1/8 ms unit

        RouteRecord connected = Route("172.17.0.0", 16);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), connected.PreferredSource);
        Assert.Equal((byte)4, connected.Protocol);
        Assert.Equal((byte)253, connected.Scope);
        Assert.Null(connected.Gateway);

        RouteRecord multipath = Route("198.51.100.0", 24);
        Assert.Equal(0, multipath.OutputInterfaceIndex);
        Assert.Null(multipath.Gateway);
        Assert.Equal(
            [
                new RouteNextHop(IPAddress.Parse("10.1.2.1"), Link("v0").Index, 1, 0) { InterfaceName = "v0" },
                new RouteNextHop(IPAddress.Parse("10.9.0.1"), Link("w0").Index, 3, 0) { InterfaceName = "w0" },
            ],
            multipath.NextHops);

        RouteRecord viaIPv6 = Route("198.18.0.0", 15);
        Assert.Equal(AddressFamily.InterNetwork, viaIPv6.Family);
        Assert.Equal(IPAddress.Parse("2001:db8:1::1"), viaIPv6.Gateway);

        RouteRecord blackhole = s_state.Routes.Single(r => r.Destination.Equals(IPAddress.Parse("192.0.2.128")));
        Assert.Equal((byte)6, blackhole.Type);
        Assert.Equal(0, blackhole.OutputInterfaceIndex);
        Assert.Null(blackhole.OutputInterfaceName);

        RouteRecord unreachable = s_state.Routes.Single(r => r.Destination.Equals(IPAddress.Parse("192.0.2.64")));
        Assert.Equal((byte)7, unreachable.Type);
        Assert.Equal(7u, unreachable.Metric);

        RouteRecord local = s_state.Routes.Single(r => r.Destination.Equals(IPAddress.Parse("10.1.2.3")) && r.Table == 255);
        Assert.Equal((byte)2, local.Type);
        Assert.Equal((byte)32, local.DestinationPrefixLength);
        Assert.Equal((byte)254, local.Scope);
    }

    [Fact]
    public void Ipv6Routes_HaveEveryField()
    {
        RouteRecord viaGateway = Route("2001:db8:2::", 48);
        Assert.Equal(AddressFamily.InterNetworkV6, viaGateway.Family);
        Assert.Equal(IPAddress.Parse("2001:db8:1::1"), viaGateway.Gateway);
        Assert.Equal(10u, viaGateway.Metric);
        Assert.Equal("v0", viaGateway.OutputInterfaceName);

        RouteRecord multipath = Route("2001:db8:3::", 48);
        Assert.Equal([IPAddress.Parse("2001:db8:1::1"), IPAddress.Parse("2001:db8:9::1")], multipath.NextHops.Select(h => h.Gateway));
        Assert.Equal(["v0", "w0"], multipath.NextHops.Select(h => h.InterfaceName));

        RouteRecord sourceSpecific = Route("2001:db8:4::", 48);
        Assert.Equal(IPAddress.Parse("2001:db8:1::"), sourceSpecific.Source);
        Assert.Equal((byte)64, sourceSpecific.SourcePrefixLength);

        Assert.Equal(IPAddress.Parse("2001:db8:9::1"), Route("2001:db8:5::", 48, table: 100).Gateway);
        Assert.Contains(s_state.Routes, r => r.Type == 5 && r.Destination.Equals(IPAddress.Parse("ff00::")) && r.Table == 255);
    }
}
