using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Model;

/// <summary>
/// One route of a routing table, as rtnetlink (<c>RTM_GETROUTE</c>) reports it; fields keep the kernel's meaning
/// (<c>struct rtmsg</c> and its <c>RTA_*</c> attributes) so <c>ip route</c> and <c>netstat -r</c> can both be printed.
/// </summary>
public sealed class RouteRecord
{
    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>.</summary>
    public required AddressFamily Family { get; init; }

    /// <summary>RTA_DST; the family's any-address for a default route (prefix length 0).</summary>
    public required IPAddress Destination { get; init; }
    public byte DestinationPrefixLength { get; init; }

    /// <summary>RTA_SRC / src_len (source-specific routes; rare).</summary>
    public IPAddress? Source { get; init; }
    public byte SourcePrefixLength { get; init; }

    /// <summary>RTA_GATEWAY (or RTA_VIA); null for directly connected routes.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>RTA_OIF; 0 when none (blackhole, unreachable, multipath without a single device).</summary>
    public int OutputInterfaceIndex { get; init; }

    /// <summary>The name of <see cref="OutputInterfaceIndex"/>, filled from the namespace's links.</summary>
    public string? OutputInterfaceName { get; set; }

    /// <summary>RTA_PREFSRC.</summary>
    public IPAddress? PreferredSource { get; init; }

    /// <summary>RTA_PRIORITY (the metric <c>ip route</c> prints); 0 when absent.</summary>
    public uint Metric { get; init; }

    /// <summary>RTA_TABLE (falls back to rtm_table): 254 main, 255 local, 253 default, others policy tables.</summary>
    public uint Table { get; init; }

    /// <summary>rtm_protocol: 2 kernel, 3 boot, 4 static, 16 dhcp, 186 bgp… (<c>/etc/iproute2/rt_protos</c>).</summary>
    public byte Protocol { get; init; }

    /// <summary>rtm_scope: 0 universe, 200 site, 253 link, 254 host, 255 nowhere.</summary>
    public byte Scope { get; init; }

    /// <summary>rtm_type: 1 unicast, 2 local, 3 broadcast, 4 anycast, 5 multicast, 6 blackhole, 7 unreachable, 8 prohibit…</summary>
    public byte Type { get; init; }

    /// <summary>rtm_flags (RTM_F_*, RTNH_F_*).</summary>
    public uint Flags { get; init; }

    public byte Tos { get; init; }

    /// <summary>RTAX_MTU from RTA_METRICS (netstat -re prints it as MSS's neighbour); 0 when unset.</summary>
    public uint Mtu { get; init; }

    /// <summary>RTAX_ADVMSS from RTA_METRICS (netstat -re "MSS"); 0 when unset.</summary>
    public uint AdvertisedMss { get; init; }

    /// <summary>RTAX_WINDOW from RTA_METRICS (netstat -re "Window"); 0 when unset.</summary>
    public uint Window { get; init; }

    /// <summary>RTAX_RTT from RTA_METRICS in the kernel's unit (1/8 ms); netstat -re "irtt" shows it &gt;&gt; 3; 0 when unset.</summary>
    public uint InitialRtt { get; init; }

    /// <summary>RTA_MULTIPATH next hops; empty for single-path routes.</summary>
    public IReadOnlyList<RouteNextHop> NextHops { get; init; } = [];
}

/// <summary>One next hop of a multipath route (<c>struct rtnexthop</c>); <see cref="Weight"/> as ip prints it (rtnh_hops + 1, 1–256).</summary>
public sealed record RouteNextHop(IPAddress? Gateway, int InterfaceIndex, int Weight, byte Flags)
{
    public string? InterfaceName { get; set; }
}
