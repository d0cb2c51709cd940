using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Reads one datagram of rtnetlink change notifications: which kinds of object changed and, when asked, the
/// parsed records (through the same parsers as the dumps).
/// </summary>
internal static class RtnetlinkChangeParser
{
    /// <summary>
    /// Returns the kinds that changed. Cached route clones (IPv6 PMTU exceptions…) and non-IP families are not a
    /// change the agent lists, so they set nothing; a malformed message still sets its kind (when in doubt, dump).
    /// </summary>
    /// <param name="notifications">Receives the parsed records, or null to only classify.</param>
    public static RtnetlinkChangeKind Parse(
        ReadOnlySpan<byte> datagram,
        IPAddressCache addresses,
        DateTimeOffset at,
        List<RtnetlinkChangeNotification>? notifications,
        out int malformed)
    {
        malformed = 0;
        RtnetlinkChangeKind kinds = RtnetlinkChangeKind.None;
        var messages = new NetlinkMessageReader(datagram);
        while (messages.TryRead(out NetlinkMessage message))
        {
            RtnetlinkParseResult result;
            RtnetlinkChangeKind kind;
            switch (message.Type)
            {
                case RtnetlinkProtocol.RTM_NEWLINK or RtnetlinkProtocol.RTM_DELLINK:
                    kind = RtnetlinkChangeKind.Links;
                    result = LinkMessageParser.Parse(message.Payload, out InterfaceRecord? link);
                    if (result == RtnetlinkParseResult.Parsed)
                    {
                        notifications?.Add(new RtnetlinkChangeNotification(kind, message.Type == RtnetlinkProtocol.RTM_DELLINK, at, Link: link));
                    }
                    break;

                case RtnetlinkProtocol.RTM_NEWADDR or RtnetlinkProtocol.RTM_DELADDR:
                    kind = RtnetlinkChangeKind.Addresses;
                    result = AddressMessageParser.Parse(message.Payload, addresses, out int index, out InterfaceAddress? address);
                    if (result == RtnetlinkParseResult.Parsed)
                    {
                        notifications?.Add(new RtnetlinkChangeNotification(
                            kind, message.Type == RtnetlinkProtocol.RTM_DELADDR, at, Address: address, AddressInterfaceIndex: index));
                    }
                    break;

                case RtnetlinkProtocol.RTM_NEWROUTE or RtnetlinkProtocol.RTM_DELROUTE:
                    kind = RtnetlinkChangeKind.Routes;
                    result = RouteMessageParser.Parse(message.Payload, addresses, out RouteRecord? route);
                    if (result == RtnetlinkParseResult.Parsed)
                    {
                        notifications?.Add(new RtnetlinkChangeNotification(kind, message.Type == RtnetlinkProtocol.RTM_DELROUTE, at, Route: route));
                    }
                    break;

                default:
                    continue; // another group's message (none bound today) or NLMSG_NOOP
            }

            if (result == RtnetlinkParseResult.Malformed)
            {
                malformed++;
            }

            if (result != RtnetlinkParseResult.Ignored)
            {
                kinds |= kind;
            }
        }

        if (messages.IsMalformed)
        {
            // A broken length hides what followed: anything may have changed.
            malformed++;
            kinds |= RtnetlinkChangeKind.Links | RtnetlinkChangeKind.Addresses | RtnetlinkChangeKind.Routes;
        }

        return kinds;
    }
}
