using System.Net;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using static SocketAgent.Tests.Diff.DiffRecords;

namespace SocketAgent.Tests.Diff;

public sealed class InterfaceDifferTests
{
    private const uint Up = 0x1, Broadcast = 0x2, Running = 0x40, Promisc = 0x100, Multicast = 0x1000, LowerUp = 0x10000;
    private const uint UpFlags = Up | Broadcast | Running | Multicast | LowerUp;

    private static InterfaceRecord Link(
        int index = 2, string name = "eth0", uint flags = UpFlags, byte oper = 6, uint mtu = 1500, ulong rxBytes = 0, params string[] addresses) => new()
    {
        Index = index,
        Name = name,
        Flags = flags,
        OperState = oper,
        Mtu = mtu,
        LinkType = 1,
        HardwareAddress = [0x02, 0, 0, 0, 0, (byte)index],
        Counters = new InterfaceCounters { RxBytes = rxBytes },
        Addresses = addresses.Select(a => new InterfaceAddress(IPAddress.Parse(a.Split('/')[0]), byte.Parse(a.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray(),
    };

    [Fact]
    public void FirstDumpIsSilentUnlessAsked()
    {
        InterfaceRecord[] links = [Link(addresses: "10.0.0.1/24")];
        Assert.Empty(new InterfaceDiffer().Apply(Host, links, At(0)));
        Assert.Equal(["snapshot"], new InterfaceDiffer().Apply(Host, links, At(0), FirstSight.Snapshot).Select(e => e.Action));
        Assert.Equal(["added", "address_added"], new InterfaceDiffer().Apply(Host, links, At(0), FirstSight.AsNew).Select(e => e.Action));
    }

    [Fact]
    public void CountersMovingIsNoChange()
    {
        var differ = new InterfaceDiffer();
        differ.Apply(Host, [Link(rxBytes: 1)], At(0));
        Assert.Empty(differ.Apply(Host, [Link(rxBytes: 1_000_000)], At(1)));
    }

    [Fact]
    public void LinkAddedAndRemovedWithTheirAddresses()
    {
        var differ = new InterfaceDiffer();
        differ.Apply(Host, [Link(1, "lo", flags: Up | Running | LowerUp | 0x8, oper: 0)], At(0));
        IReadOnlyList<InterfaceEvent> added = differ.Apply(Host,
            [Link(1, "lo", flags: Up | Running | LowerUp | 0x8, oper: 0), Link(5, "veth0", addresses: ["10.9.0.1/24", "fe80::1/64"])], At(1));
        Assert.Equal(["added", "address_added", "address_added"], added.Select(e => e.Action));
        Assert.Equal("fe80::1/64", added[2].Address!.Cidr);

        IReadOnlyList<InterfaceEvent> removed = differ.Apply(Host, [Link(1, "lo", flags: Up | Running | LowerUp | 0x8, oper: 0)], At(2));
        Assert.Equal(["address_removed", "address_removed", "removed"], removed.Select(e => e.Action));
        Assert.All(removed, e => Assert.Equal(5, e.Interface.Index));
    }

    [Fact]
    public void UpAndDownFromTheFlagOrTheOperState()
    {
        var differ = new InterfaceDiffer();
        differ.Apply(Host, [Link()], At(0));
        InterfaceEvent carrierLost = Assert.Single(differ.Apply(Host, [Link(flags: Up | Broadcast | Multicast, oper: 2)], At(1)));
        Assert.Equal("down", carrierLost.Action);
        Assert.Equal((byte)6, carrierLost.Previous!.OperState);
        Assert.Equal("up", Assert.Single(differ.Apply(Host, [Link()], At(2))).Action);
        Assert.Equal("down", Assert.Single(differ.Apply(Host, [Link(flags: Broadcast | Multicast, oper: 2)], At(3))).Action);
        // Still down, only the operstate wording differs: nothing.
        Assert.Empty(differ.Apply(Host, [Link(flags: Broadcast | Multicast, oper: 3)], At(4)));
    }

    [Fact]
    public void ConfigurationChanges()
    {
        var differ = new InterfaceDiffer();
        differ.Apply(Host, [Link()], At(0));
        InterfaceEvent mtu = Assert.Single(differ.Apply(Host, [Link(mtu: 9000)], At(1)));
        Assert.Equal(("changed", 1500U, 9000U), (mtu.Action, mtu.Previous!.Mtu, mtu.Interface.Mtu));
        Assert.Equal("changed", Assert.Single(differ.Apply(Host, [Link(name: "wan0", mtu: 9000)], At(2))).Action);
        Assert.Equal("changed", Assert.Single(differ.Apply(Host, [Link(name: "wan0", mtu: 9000, flags: UpFlags | Promisc)], At(3))).Action);
        // MTU change and carrier loss together: both said.
        Assert.Equal(["changed", "down"], differ.Apply(Host, [Link(name: "wan0", mtu: 1500, flags: Up | Broadcast | Multicast | Promisc, oper: 2)], At(4)).Select(e => e.Action));
    }

    [Fact]
    public void AddressesAddedAndRemoved()
    {
        var differ = new InterfaceDiffer();
        differ.Apply(Host, [Link(addresses: ["10.0.0.1/24", "fe80::1/64"])], At(0));
        IReadOnlyList<InterfaceEvent> events = differ.Apply(Host, [Link(addresses: ["10.0.0.1/16", "fe80::1/64", "2001:db8::1/64"])], At(1));
        Assert.Equal(["address_removed", "address_added", "address_added"], events.Select(e => e.Action));
        Assert.Equal(["10.0.0.1/24", "10.0.0.1/16", "2001:db8::1/64"], events.Select(e => e.Address!.Cidr));
    }

    [Fact]
    public void NamespacesAreSeparate()
    {
        var differ = new InterfaceDiffer();
        differ.Apply(Host, [Link(2, "eth0")], At(0));
        differ.Apply(Container, [Link(2, "eth0")], At(0));
        InterfaceEvent down = Assert.Single(differ.Apply(Container, [Link(2, "eth0", flags: Broadcast | Multicast, oper: 2)], At(1)));
        Assert.Same(Container, down.Namespace);
        Assert.Empty(differ.Apply(Host, [Link(2, "eth0")], At(1)));
        Assert.Equal(2, differ.TrackedCount);
    }
}
