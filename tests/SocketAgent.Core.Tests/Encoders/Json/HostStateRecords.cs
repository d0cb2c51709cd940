using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Synthetic routes, interfaces, protocol counters and namespaces, shaped like what `ip` shows on a 6.18 host.</summary>
internal static class HostStateRecords
{
    public static readonly NetworkNamespace HostNamespace = new() { Inode = 4026531840, IsAgentNamespace = true, Path = "/proc/1/ns/net", Pids = [1] };

    public static readonly NetworkNamespace NamedNamespace = new()
    {
        Inode = 4026532301,
        Name = "blue",
        Path = "/run/netns/blue",
        OwnerCgroup = new CgroupIdentity { ContainerId = "9b2f6c1d0e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c" },
        Pids = [4100, 4101],
    };

    /// <summary>default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.2 metric 100</summary>
    public static RouteRecord DefaultV4 => new()
    {
        Family = AddressFamily.InterNetwork, Destination = IPAddress.Any, DestinationPrefixLength = 0,
        Gateway = IPAddress.Parse("192.0.2.1"), OutputInterfaceIndex = 4, OutputInterfaceName = "eth0",
        PreferredSource = IPAddress.Parse("192.0.2.2"), Metric = 100, Table = 254, Protocol = 16, Scope = 0, Type = 1,
    };

    /// <summary>192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2</summary>
    public static RouteRecord ConnectedV4 => new()
    {
        Family = AddressFamily.InterNetwork, Destination = IPAddress.Parse("192.0.2.0"), DestinationPrefixLength = 24,
        OutputInterfaceIndex = 4, OutputInterfaceName = "eth0", PreferredSource = IPAddress.Parse("192.0.2.2"),
        Table = 254, Protocol = 2, Scope = 253, Type = 1,
    };

    /// <summary>local ::1 dev lo table local proto kernel metric 0</summary>
    public static RouteRecord LocalV6Loopback => new()
    {
        Family = AddressFamily.InterNetworkV6, Destination = IPAddress.IPv6Loopback, DestinationPrefixLength = 128,
        OutputInterfaceIndex = 1, OutputInterfaceName = "lo", Table = 255, Protocol = 2, Scope = 0, Type = 2, Metric = 0,
    };

    /// <summary>10.1.0.0/16 proto static nexthop via 10.0.0.1 dev eth0 weight 1 nexthop via 10.0.0.2 dev eth1 weight 3 onlink</summary>
    public static RouteRecord Multipath => new()
    {
        Family = AddressFamily.InterNetwork, Destination = IPAddress.Parse("10.1.0.0"), DestinationPrefixLength = 16,
        Table = 254, Protocol = 4, Scope = 0, Type = 1, Metric = 20,
        NextHops =
        [
            new RouteNextHop(IPAddress.Parse("10.0.0.1"), 4, 1, 0) { InterfaceName = "eth0" },
            new RouteNextHop(IPAddress.Parse("10.0.0.2"), 5, 3, 0x4) { InterfaceName = "eth1" },
        ],
    };

    /// <summary>blackhole 203.0.113.0/24 proto static</summary>
    public static RouteRecord Blackhole => new()
    {
        Family = AddressFamily.InterNetwork, Destination = IPAddress.Parse("203.0.113.0"), DestinationPrefixLength = 24,
        Table = 254, Protocol = 4, Scope = 0, Type = 6,
    };

    /// <summary>default via 10.9.0.1 dev wg0 table 100 proto static onlink, with metrics and a source prefix.</summary>
    public static RouteRecord PolicyTable100 => new()
    {
        Family = AddressFamily.InterNetwork, Destination = IPAddress.Any, Gateway = IPAddress.Parse("10.9.0.1"),
        OutputInterfaceIndex = 9, OutputInterfaceName = "wg0", Table = 100, Protocol = 4, Scope = 0, Type = 1,
        Flags = 0x4 | 0x10, Mtu = 1420, AdvertisedMss = 1380, Window = 65535, InitialRtt = 120, Tos = 0x10,
    };

    /// <summary>unreachable 2001:db8:dead::/48 from 2001:db8::/32 metric 1024 (source-specific IPv6, type unreachable).</summary>
    public static RouteRecord SourceSpecificV6 => new()
    {
        Family = AddressFamily.InterNetworkV6, Destination = IPAddress.Parse("2001:db8:dead::"), DestinationPrefixLength = 48,
        Source = IPAddress.Parse("2001:db8::"), SourcePrefixLength = 32, Metric = 1024, Table = 254, Protocol = 3, Scope = 0, Type = 7,
        OutputInterfaceIndex = 1, OutputInterfaceName = "lo",
    };

    public static IReadOnlyList<RouteRecord> AllRoutes => [DefaultV4, ConnectedV4, LocalV6Loopback, Multipath, Blackhole, PolicyTable100, SourceSpecificV6];

    public static InterfaceRecord Loopback => new()
    {
        Index = 1, Name = "lo", Flags = 0x8 | 0x1 | 0x40 | 0x10000, OperState = 0, Mtu = 65536, LinkType = 772,
        HardwareAddress = new byte[6], Qdisc = "noqueue",
        Counters = new InterfaceCounters { RxPackets = 678974, TxPackets = 678974, RxBytes = 38370392, TxBytes = 38370392 },
        Addresses =
        [
            new InterfaceAddress(IPAddress.Loopback, 8) { Scope = 254, Label = "lo", Flags = 0x80 },
            new InterfaceAddress(IPAddress.IPv6Loopback, 128) { Scope = 254, Flags = 0x80 },
        ],
    };

    /// <summary>A veth that is down, enslaved to a bridge, with its IPv6 address listed first by the source.</summary>
    public static InterfaceRecord VethDown => new()
    {
        Index = 7, Name = "veth1a2b3c", Flags = 0x2 | 0x1000, OperState = 2, Mtu = 1500, LinkType = 1,
        HardwareAddress = [0x02, 0x42, 0xAC, 0x11, 0x00, 0x0F], Qdisc = "noqueue", ParentIndex = 6, MasterIndex = 3, Kind = "veth",
        Counters = new InterfaceCounters
        {
            RxPackets = ulong.MaxValue, TxPackets = 1, RxBytes = 18446744073709551614, TxBytes = 2, RxErrors = 3, TxErrors = 4,
            RxDropped = 5, TxDropped = 6, Multicast = 7, Collisions = 8, RxLengthErrors = 9, RxOverErrors = 10, RxCrcErrors = 11,
            RxFrameErrors = 12, RxFifoErrors = 13, RxMissedErrors = 14, TxAbortedErrors = 15, TxCarrierErrors = 16, TxFifoErrors = 17,
            TxHeartbeatErrors = 18, TxWindowErrors = 19, RxCompressed = 20, TxCompressed = 21, RxNoHandler = 22,
        },
        Addresses =
        [
            new InterfaceAddress(IPAddress.Parse("fe80::42:acff:fe11:f%7"), 64) { Scope = 253, Flags = 0x80 | 0x40 },
            new InterfaceAddress(IPAddress.Parse("10.1.2.3"), 24) { Scope = 0, Broadcast = IPAddress.Parse("10.1.2.255"), Label = "veth1a2b3c" },
            new InterfaceAddress(IPAddress.Parse("10.1.2.4"), 24) { Scope = 0, Broadcast = IPAddress.Parse("10.1.2.255"), Label = "veth1a2b3c:1", Flags = 0x1 },
        ],
    };

    /// <summary>A point-to-point tun: no hardware address, ARPHRD_NONE, a peer address.</summary>
    public static InterfaceRecord TunPointToPoint => new()
    {
        Index = 12, Name = "tun0", Flags = 0x10 | 0x80 | 0x1000 | 0x1 | 0x40 | 0x10000, OperState = 0, Mtu = 1500, LinkType = 65534, Kind = "tun",
        Addresses = [new InterfaceAddress(IPAddress.Parse("10.8.0.1"), 32) { Peer = IPAddress.Parse("10.8.0.2"), Scope = 0 }],
    };

    public static IReadOnlyList<InterfaceRecord> AllInterfaces => [Loopback, VethDown, TunPointToPoint];

    public static ProtocolStatistics Tcp => new()
    {
        Group = "Tcp",
        SourceFile = "snmp",
        Counters =
        [
            new("RtoAlgorithm", 1), new("RtoMin", 200), new("RtoMax", 120000), new("MaxConn", -1), new("ActiveOpens", 12),
            new("PassiveOpens", 3), new("AttemptFails", 0), new("EstabResets", 1), new("CurrEstab", 4), new("InSegs", 102938),
            new("OutSegs", 99812), new("RetransSegs", 17), new("InErrs", 0), new("OutRsts", 9), new("InCsumErrors", 0),
        ],
    };

    /// <summary>6.18's Ip group, with its new OutTransmits column.</summary>
    public static ProtocolStatistics Ip => new()
    {
        Group = "Ip",
        SourceFile = "snmp",
        Counters =
        [
            new("Forwarding", 1), new("DefaultTTL", 64), new("InReceives", 734512), new("InHdrErrors", 0), new("InAddrErrors", 0),
            new("ForwDatagrams", 0), new("InUnknownProtos", 0), new("InDiscards", 0), new("InDelivers", 734500), new("OutRequests", 700100),
            new("OutDiscards", 0), new("OutNoRoutes", 2), new("ReasmTimeout", 0), new("ReasmReqds", 0), new("ReasmOKs", 0),
            new("ReasmFails", 0), new("FragOKs", 0), new("FragFails", 0), new("FragCreates", 0), new("OutTransmits", 700098),
        ],
    };

    public static ProtocolStatistics Ip6 => new()
    {
        Group = "Ip6",
        SourceFile = "snmp6",
        Counters = [new("InReceives", 5123), new("InOctets", 9876543210123), new("OutNoRoutes", 0), new("InECT0Pkts", 0)],
    };

    public static IReadOnlyList<ProtocolStatistics> AllStatistics => [Ip, Tcp, Ip6];
}
