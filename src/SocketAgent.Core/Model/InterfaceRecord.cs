using System.Net;

namespace SocketAgent.Model;

/// <summary>
/// One network interface (link) of a namespace, from rtnetlink <c>RTM_GETLINK</c> + <c>RTM_GETADDR</c>:
/// what <c>ip -s addr</c> shows and <c>netstat -i</c> summarises.
/// </summary>
public sealed class InterfaceRecord
{
    public required int Index { get; init; }
    public required string Name { get; init; }

    /// <summary>ifi_flags: IFF_UP 0x1, BROADCAST 0x2, LOOPBACK 0x8, POINTOPOINT 0x10, RUNNING 0x40, NOARP 0x80, PROMISC 0x100, ALLMULTI 0x200, MULTICAST 0x1000, LOWER_UP 0x10000.</summary>
    public uint Flags { get; init; }

    /// <summary>IFLA_OPERSTATE (RFC 2863): 0 unknown, 1 notpresent, 2 down, 3 lowerlayerdown, 4 testing, 5 dormant, 6 up.</summary>
    public byte OperState { get; init; }

    public uint Mtu { get; init; }

    /// <summary>ifi_type (ARPHRD_*): 1 ether, 772 loopback, 65534 none (tun)…</summary>
    public ushort LinkType { get; init; }

    /// <summary>IFLA_ADDRESS as raw bytes (6 for Ethernet); empty when the link has none.</summary>
    public byte[] HardwareAddress { get; init; } = [];

    /// <summary>IFLA_QDISC, IFLA_LINK (parent index, e.g. a veth peer in another namespace), IFLA_MASTER.</summary>
    public string? Qdisc { get; init; }
    public int ParentIndex { get; init; }
    public int MasterIndex { get; init; }

    /// <summary>IFLA_LINKINFO / IFLA_INFO_KIND: veth, bridge, vlan, bond, wireguard…; null for physical devices.</summary>
    public string? Kind { get; init; }

    public InterfaceCounters Counters { get; init; } = InterfaceCounters.Zero;

    /// <summary>Every address of the interface (RTM_GETADDR), IPv4 then IPv6, in kernel order.</summary>
    public IReadOnlyList<InterfaceAddress> Addresses { get; set; } = [];
}

/// <summary>One address of an interface (<c>struct ifaddrmsg</c> + IFA_* attributes).</summary>
public sealed record InterfaceAddress(IPAddress Address, byte PrefixLength)
{
    /// <summary>IFA_BROADCAST (IPv4).</summary>
    public IPAddress? Broadcast { get; init; }

    /// <summary>IFA_ADDRESS when it differs from IFA_LOCAL: the peer of a point-to-point link.</summary>
    public IPAddress? Peer { get; init; }

    /// <summary>IFA_LABEL (IPv4 alias labels such as eth0:1).</summary>
    public string? Label { get; init; }

    /// <summary>ifa_scope: 0 global, 253 link, 254 host.</summary>
    public byte Scope { get; init; }

    /// <summary>IFA_FLAGS (falls back to ifa_flags): IFA_F_SECONDARY 0x1, NODAD 0x2, DADFAILED 0x8, DEPRECATED 0x20, TENTATIVE 0x40, PERMANENT 0x80…</summary>
    public uint Flags { get; init; }

    /// <summary>The CIDR form, e.g. <c>10.1.2.3/24</c> or <c>fe80::1/64</c>.</summary>
    public string Cidr => $"{Address}/{PrefixLength}";
}

/// <summary>IFLA_STATS64 (<c>struct rtnl_link_stats64</c>): the 64-bit interface counters.</summary>
public sealed record InterfaceCounters
{
    public static readonly InterfaceCounters Zero = new();

    public ulong RxPackets { get; init; }
    public ulong TxPackets { get; init; }
    public ulong RxBytes { get; init; }
    public ulong TxBytes { get; init; }
    public ulong RxErrors { get; init; }
    public ulong TxErrors { get; init; }
    public ulong RxDropped { get; init; }
    public ulong TxDropped { get; init; }
    public ulong Multicast { get; init; }
    public ulong Collisions { get; init; }
    public ulong RxLengthErrors { get; init; }
    public ulong RxOverErrors { get; init; }
    public ulong RxCrcErrors { get; init; }
    public ulong RxFrameErrors { get; init; }
    public ulong RxFifoErrors { get; init; }
    public ulong RxMissedErrors { get; init; }
    public ulong TxAbortedErrors { get; init; }
    public ulong TxCarrierErrors { get; init; }
    public ulong TxFifoErrors { get; init; }
    public ulong TxHeartbeatErrors { get; init; }
    public ulong TxWindowErrors { get; init; }
    public ulong RxCompressed { get; init; }
    public ulong TxCompressed { get; init; }
    public ulong RxNoHandler { get; init; }
}
