using System.Net;
using System.Net.Sockets;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using static SocketAgent.Tests.Diff.DiffRecords;

namespace SocketAgent.Tests.Diff;

public sealed class RouteDifferTests
{
    private static RouteRecord Route(string destination, byte prefix, string? gateway = "10.0.0.1", int oif = 2, uint metric = 100, uint table = 254, uint mtu = 0) => new()
    {
        Family = AddressFamily.InterNetwork,
        Destination = IPAddress.Parse(destination),
        DestinationPrefixLength = prefix,
        Gateway = gateway is null ? null : IPAddress.Parse(gateway),
        OutputInterfaceIndex = oif,
        Metric = metric,
        Table = table,
        Type = 1,
        Mtu = mtu,
    };

    [Fact]
    public void FirstDumpIsSilentUnlessAsked()
    {
        RouteRecord[] routes = [Route("0.0.0.0", 0), Route("10.0.0.0", 24, gateway: null)];
        Assert.Empty(new RouteDiffer().Apply(Host, routes, At(0)));
        IReadOnlyList<RouteEvent> snapshot = new RouteDiffer().Apply(Host, routes, At(0), FirstSight.Snapshot);
        Assert.Equal(["snapshot", "snapshot"], snapshot.Select(e => e.Action));
        Assert.Equal(["added", "added"], new RouteDiffer().Apply(Host, routes, At(0), FirstSight.AsNew).Select(e => e.Action));
    }

    [Fact]
    public void AddedRemovedAndChanged()
    {
        var differ = new RouteDiffer();
        differ.Apply(Host, [Route("0.0.0.0", 0), Route("10.0.0.0", 24, gateway: null), Route("192.168.0.0", 16)], At(0));

        IReadOnlyList<RouteEvent> events = differ.Apply(Host,
            [Route("0.0.0.0", 0, gateway: "10.0.0.254"), Route("10.0.0.0", 24, gateway: null), Route("172.16.0.0", 12)], At(1));

        Assert.Equal(3, events.Count);
        RouteEvent removed = Assert.Single(events, e => e.Action == "removed");
        Assert.Equal("192.168.0.0", removed.Route.Destination.ToString());
        RouteEvent added = Assert.Single(events, e => e.Action == "added");
        Assert.Equal("172.16.0.0", added.Route.Destination.ToString());
        RouteEvent changed = Assert.Single(events, e => e.Action == "changed");
        Assert.Equal(("10.0.0.1", "10.0.0.254"), (changed.Previous!.Gateway!.ToString(), changed.Route.Gateway!.ToString()));
        Assert.All(events, e => Assert.Same(Host, e.Namespace));
        Assert.Empty(differ.Apply(Host, [Route("0.0.0.0", 0, gateway: "10.0.0.254"), Route("10.0.0.0", 24, gateway: null), Route("172.16.0.0", 12)], At(2)));
    }

    [Fact]
    public void AnotherMetricOrTableIsAnotherRoute()
    {
        var differ = new RouteDiffer();
        differ.Apply(Host, [Route("0.0.0.0", 0, metric: 100)], At(0));
        IReadOnlyList<RouteEvent> events = differ.Apply(Host, [Route("0.0.0.0", 0, metric: 600), Route("0.0.0.0", 0, table: 100)], At(1));
        Assert.Equal(["removed", "added", "added"], events.Select(e => e.Action));
    }

    [Fact]
    public void MetricsAndNextHopsAreAttributes()
    {
        var differ = new RouteDiffer();
        differ.Apply(Host, [Route("10.1.0.0", 16, mtu: 1500), WithHops(1, 1)], At(0));
        IReadOnlyList<RouteEvent> events = differ.Apply(Host, [Route("10.1.0.0", 16, mtu: 1400), WithHops(1, 2)], At(1));
        Assert.Equal(["changed", "changed"], events.Select(e => e.Action));
        Assert.Empty(differ.Apply(Host, [Route("10.1.0.0", 16, mtu: 1400), WithHops(1, 2)], At(2)));

        static RouteRecord WithHops(int weightA, int weightB) => new()
        {
            Family = AddressFamily.InterNetwork,
            Destination = IPAddress.Any,
            Table = 254,
            Type = 1,
            NextHops = [new RouteNextHop(IPAddress.Parse("10.0.0.1"), 2, weightA, 0), new RouteNextHop(IPAddress.Parse("10.0.0.2"), 3, weightB, 0)],
        };
    }

    [Fact]
    public void DuplicateKeysInOneDumpAreAllKept()
    {
        var differ = new RouteDiffer();
        differ.Apply(Host, [Route("10.0.0.0", 8, oif: 2), Route("10.0.0.0", 8, oif: 3)], At(0));
        Assert.Equal(2, differ.TrackedCount);
        Assert.Empty(differ.Apply(Host, [Route("10.0.0.0", 8, oif: 2), Route("10.0.0.0", 8, oif: 3)], At(1)));
        Assert.Equal(["removed"], differ.Apply(Host, [Route("10.0.0.0", 8, oif: 2)], At(2)).Select(e => e.Action));
    }

    [Fact]
    public void NamespacesAreSeparate()
    {
        var differ = new RouteDiffer();
        differ.Apply(Host, [Route("0.0.0.0", 0)], At(0));
        differ.Apply(Container, [], At(0));
        RouteEvent added = Assert.Single(differ.Apply(Container, [Route("0.0.0.0", 0)], At(1)));
        Assert.Same(Container, added.Namespace);
        Assert.Empty(differ.Apply(Host, [Route("0.0.0.0", 0)], At(1)));
        Assert.True(differ.RemoveNamespace(Container));
    }
}
