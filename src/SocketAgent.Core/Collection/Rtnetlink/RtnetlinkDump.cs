namespace SocketAgent.Collection.Rtnetlink;

/// <summary>One rtnetlink dump request: what to ask for and the message type that answers it.</summary>
internal readonly record struct RtnetlinkDump(string Name, ushort RequestType, byte Family, ushort ReplyType)
{
    /// <summary>Every link: AF_UNSPEC is the one family whose link dump lists them all.</summary>
    public static readonly RtnetlinkDump Links = new("link", RtnetlinkProtocol.RTM_GETLINK, RtnetlinkProtocol.AF_UNSPEC, RtnetlinkProtocol.RTM_NEWLINK);

    /// <summary>IPv4 then IPv6 addresses of every link in one dump.</summary>
    public static readonly RtnetlinkDump Addresses = new("address", RtnetlinkProtocol.RTM_GETADDR, RtnetlinkProtocol.AF_UNSPEC, RtnetlinkProtocol.RTM_NEWADDR);

    /// <summary>
    /// Routes are dumped per family: AF_UNSPEC would add multicast routing (RTNL_FAMILY_IPMR) and MPLS tables,
    /// which are not routes in the <c>ip route</c> sense.
    /// </summary>
    public static readonly RtnetlinkDump Routes4 = new("route", RtnetlinkProtocol.RTM_GETROUTE, RtnetlinkProtocol.AF_INET, RtnetlinkProtocol.RTM_NEWROUTE);
    public static readonly RtnetlinkDump Routes6 = new("route6", RtnetlinkProtocol.RTM_GETROUTE, RtnetlinkProtocol.AF_INET6, RtnetlinkProtocol.RTM_NEWROUTE);
}
