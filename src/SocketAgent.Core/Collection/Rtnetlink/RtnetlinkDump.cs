namespace SocketAgent.Collection.Rtnetlink;

/// <summary>One rtnetlink dump request: what to ask for and the message type that answers it.</summary>
internal readonly record struct RtnetlinkDump(string Name, ushort RequestType, byte Family, ushort ReplyType)
{
    /// <summary>Every link: AF_UNSPEC is the one family whose link dump lists them all.</summary>
    public static readonly RtnetlinkDump Links = new("link", Rtnetlink.RTM_GETLINK, Rtnetlink.AF_UNSPEC, Rtnetlink.RTM_NEWLINK);

    /// <summary>IPv4 then IPv6 addresses of every link in one dump.</summary>
    public static readonly RtnetlinkDump Addresses = new("address", Rtnetlink.RTM_GETADDR, Rtnetlink.AF_UNSPEC, Rtnetlink.RTM_NEWADDR);

    /// <summary>
    /// Routes are dumped per family: AF_UNSPEC would add multicast routing (RTNL_FAMILY_IPMR) and MPLS tables,
    /// which are not routes in the <c>ip route</c> sense.
    /// </summary>
    public static readonly RtnetlinkDump Routes4 = new("route", Rtnetlink.RTM_GETROUTE, Rtnetlink.AF_INET, Rtnetlink.RTM_NEWROUTE);
    public static readonly RtnetlinkDump Routes6 = new("route6", Rtnetlink.RTM_GETROUTE, Rtnetlink.AF_INET6, Rtnetlink.RTM_NEWROUTE);
}
