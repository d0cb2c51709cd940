using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Collection;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>
/// rtnetlink on this machine against <c>ip -N -d -j</c>, in the test's own namespace and in one it creates and
/// enters with setns on a dedicated thread. Links, addresses and routes can change between our dump and ip's
/// (DAD finishing, a DHCP renewal), so each comparison is retried a few times before it fails.
/// </summary>
public class RtnetlinkLiveTests
{
    private const int Attempts = 5;

    private static void AssertMatchesIp(Func<NetworkState> collect, string[] ipPrefix)
    {
        for (int attempt = 1; ; attempt++)
        {
            NetworkState state = collect();
            JsonElement links = IpJson.Run([.. ipPrefix, "-N", "-d", "-j", "link", "show"]);
            JsonElement addresses = IpJson.Run([.. ipPrefix, "-N", "-d", "-j", "addr", "show"]);
            JsonElement routes4 = IpJson.Run([.. ipPrefix, "-N", "-d", "-j", "-4", "route", "show", "table", "all"]);
            JsonElement routes6 = IpJson.Run([.. ipPrefix, "-N", "-d", "-j", "-6", "route", "show", "table", "all"]);
            try
            {
                Assert.NotEmpty(state.Interfaces);
                IpJson.AssertSameSets(links.EnumerateArray().Select(l => IpJson.LinkKey(l, IpJson.IndexLookup(state))), state.Interfaces.Select(IpJson.LinkKey), "links");
                IpJson.AssertSameSets(addresses.EnumerateArray().SelectMany(IpJson.AddressKeys), state.Interfaces.SelectMany(IpJson.AddressKeys), "addresses");
                IpJson.AssertSameSets(routes4.EnumerateArray().Concat(routes6.EnumerateArray()).Select(IpJson.RouteKey), state.Routes.Select(IpJson.RouteKey), "routes");
                return;
            }
            catch (Exception) when (attempt < Attempts)
            {
                Thread.Sleep(300);
            }
        }
    }

    [Fact]
    public void AgentNamespace_MatchesIp()
    {
        var diagnostics = new CollectionDiagnostics();
        AssertMatchesIp(() => new RtnetlinkCollector().Collect(diagnostics), []);
        Assert.Equal(0, diagnostics.Get(RtnetlinkCounters.RecordsMalformed));
    }

    [Fact]
    public void CreatedNamespace_ReadThroughSetns_MatchesIp()
    {
        Assert.SkipUnless(Environment.UserName == "root", "creating network namespaces needs root");
        using TestNetns ns = TestNetns.Create("rtnl", loopbackUp: false);
        ns.IpIn("link", "set", "lo", "up");
        ns.IpIn("link", "add", "a0", "type", "veth", "peer", "name", "a1");
        ns.IpIn("addr", "add", "10.20.0.1/24", "dev", "a0");
        ns.IpIn("-6", "addr", "add", "2001:db8:20::1/64", "dev", "a0", "nodad");
        ns.IpIn("link", "set", "a0", "up");
        ns.IpIn("link", "set", "a1", "up");
        ns.IpIn("route", "add", "10.30.0.0/16", "via", "10.20.0.2", "metric", "5");
        ns.IpIn("route", "add", "default", "via", "10.20.0.2", "table", "77");
        ns.IpIn("route", "add", "blackhole", "10.40.0.0/16");
        ns.IpIn("-6", "route", "add", "2001:db8:30::/48", "via", "2001:db8:20::2", "table", "77");

        NetworkState? last = null;
        AssertMatchesIp(() => last = ns.RunInside(() => new RtnetlinkCollector().Collect(new CollectionDiagnostics())), ["-n", ns.Name]);

        Assert.Equal(["lo", "a1", "a0"], last!.Interfaces.Select(i => i.Name));
        int peer = last.Interfaces.Single(i => i.Name == "a0").ParentIndex;
        Assert.Equal("a1", last.Interfaces.Single(i => i.Index == peer).Name);
        Assert.Contains(last.Routes, r => r.Table == 77 && r.DestinationPrefixLength == 0 && r.Family == AddressFamily.InterNetwork);
        Assert.Contains(last.Routes, r => r.Table == 77 && r.Family == AddressFamily.InterNetworkV6);
    }

    [Fact]
    public void CreatedNamespace_ProcFallbackThroughThreadSelf_SeesTheSameInterfaces()
    {
        Assert.SkipUnless(Environment.UserName == "root", "creating network namespaces needs root");
        using TestNetns ns = TestNetns.Create("rtnl", loopbackUp: false);
        ns.IpIn("link", "add", "a0", "type", "veth", "peer", "name", "a1");
        ns.IpIn("addr", "add", "10.20.0.1/24", "dev", "a0");
        ns.IpIn("link", "set", "a0", "up");
        ns.IpIn("link", "set", "a1", "up");

        // /proc/thread-self/net is the net directory of the namespace the reading thread is in.
        (NetworkState netlink, NetworkState proc) = ns.RunInside(() =>
            (new RtnetlinkCollector().Collect(new CollectionDiagnostics()), new ProcNetRouteReader("/proc/thread-self/net").Read(new CollectionDiagnostics())));

        Assert.Equal(netlink.Interfaces.Select(i => i.Name).Order(), proc.Interfaces.Select(i => i.Name).Order());
        Assert.Contains(proc.Routes, r => r.Destination.ToString() == "10.20.0.0" && r.OutputInterfaceName == "a0");
    }

    [Fact]
    public void ProcNetDev_AgreesWithNetlinkCounters()
    {
        NetworkState netlink = new RtnetlinkCollector().Collect(new CollectionDiagnostics());
        NetworkState proc = new ProcNetRouteReader().Read(new CollectionDiagnostics());

        Assert.Equal(netlink.Interfaces.Select(i => i.Name).Order(), proc.Interfaces.Select(i => i.Name).Order());
        foreach (InterfaceRecord link in netlink.Interfaces)
        {
            InterfaceCounters n = link.Counters;
            InterfaceCounters p = proc.Interfaces.Single(i => i.Name == link.Name).Counters;
            // /proc was read second: its counters are the same or a little higher.
            RtnetlinkFixtureTests.AssertClose(p.RxBytes, n.RxBytes, 10_000_000);
            RtnetlinkFixtureTests.AssertClose(p.RxPackets, n.RxPackets, 10_000);
            RtnetlinkFixtureTests.AssertClose(p.TxBytes, n.TxBytes, 10_000_000);
            RtnetlinkFixtureTests.AssertClose(p.TxPackets, n.TxPackets, 10_000);
            RtnetlinkFixtureTests.AssertClose(p.RxDropped, n.RxDropped + n.RxMissedErrors, 1_000);
            RtnetlinkFixtureTests.AssertClose(p.RxFrameErrors, n.RxLengthErrors + n.RxOverErrors + n.RxCrcErrors + n.RxFrameErrors, 1_000);
            RtnetlinkFixtureTests.AssertClose(p.TxCarrierErrors, n.TxCarrierErrors + n.TxAbortedErrors + n.TxWindowErrors + n.TxHeartbeatErrors, 1_000);
        }
    }
}
