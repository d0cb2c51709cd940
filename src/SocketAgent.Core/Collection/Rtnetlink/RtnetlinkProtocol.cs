namespace SocketAgent.Collection.Rtnetlink;

/// <summary>rtnetlink message types, header sizes and attribute numbers (linux/rtnetlink.h, if_link.h, if_addr.h).</summary>
internal static class RtnetlinkProtocol
{
    public const byte AF_UNSPEC = 0;
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;

    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_GETROUTE = 26;

    // Multicast groups (enum rtnetlink_groups) for change notifications; bound as 1 << (group - 1).
    public const int RTNLGRP_LINK = 1;
    public const int RTNLGRP_IPV4_IFADDR = 5;
    public const int RTNLGRP_IPV4_ROUTE = 7;
    public const int RTNLGRP_IPV6_IFADDR = 9;
    public const int RTNLGRP_IPV6_ROUTE = 11;

    // Fixed headers in front of the attributes (all ✓ on 6.18).
    public const int IfInfoMessageSize = 16;   // ifinfomsg: u8 family, pad, u16 type, i32 index, u32 flags, u32 change
    public const int IfAddrMessageSize = 8;    // ifaddrmsg: u8 family, prefixlen, flags, scope, u32 index
    public const int RouteMessageSize = 12;    // rtmsg: u8 family, dst_len, src_len, tos, table, protocol, scope, type, u32 flags
    public const int NextHopSize = 8;          // rtnexthop: u16 len, u8 flags, u8 hops, i32 ifindex

    public const ushort IFLA_ADDRESS = 1;
    public const ushort IFLA_IFNAME = 3;
    public const ushort IFLA_MTU = 4;
    public const ushort IFLA_LINK = 5;
    public const ushort IFLA_QDISC = 6;
    public const ushort IFLA_MASTER = 10;
    public const ushort IFLA_OPERSTATE = 16;
    public const ushort IFLA_LINKINFO = 18;
    public const ushort IFLA_STATS64 = 23;
    public const ushort IFLA_INFO_KIND = 1;

    public const ushort IFA_ADDRESS = 1;
    public const ushort IFA_LOCAL = 2;
    public const ushort IFA_LABEL = 3;
    public const ushort IFA_BROADCAST = 4;
    public const ushort IFA_FLAGS = 8;

    public const ushort RTA_DST = 1;
    public const ushort RTA_SRC = 2;
    public const ushort RTA_OIF = 4;
    public const ushort RTA_GATEWAY = 5;
    public const ushort RTA_PRIORITY = 6;
    public const ushort RTA_PREFSRC = 7;
    public const ushort RTA_METRICS = 8;
    public const ushort RTA_MULTIPATH = 9;
    public const ushort RTA_TABLE = 15;
    public const ushort RTA_VIA = 18;

    public const ushort RTAX_MTU = 2;
    public const ushort RTAX_WINDOW = 3;
    public const ushort RTAX_RTT = 4;
    public const ushort RTAX_ADVMSS = 8;

    /// <summary>rtm_flags: a cached clone (IPv6 exceptions, PMTU); <c>ip route</c> hides these unless asked.</summary>
    public const uint RTM_F_CLONED = 0x200;
}
