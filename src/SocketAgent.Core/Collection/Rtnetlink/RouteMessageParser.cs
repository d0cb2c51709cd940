using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Parses one RTM_NEWROUTE message (<c>rtmsg</c> + RTA_* attributes) into a <see cref="RouteRecord"/>.</summary>
/// <remarks>
/// Cached clones (RTM_F_CLONED: IPv6 exceptions such as learned path MTUs) are <see cref="RtnetlinkParseResult.Ignored"/>,
/// as <c>ip route</c> hides them unless asked with <c>cache</c>; so are families other than IPv4 and IPv6.
/// Interface names are not known here: the collector fills them from the link list.
/// </remarks>
internal static class RouteMessageParser
{
    public static RtnetlinkParseResult Parse(ReadOnlySpan<byte> payload, IPAddressCache cache, out RouteRecord? route)
    {
        route = null;
        if (payload.Length < RtnetlinkProtocol.RouteMessageSize)
        {
            return RtnetlinkParseResult.Malformed;
        }

        byte family = payload[0];
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        if (family is not (RtnetlinkProtocol.AF_INET or RtnetlinkProtocol.AF_INET6) || (flags & RtnetlinkProtocol.RTM_F_CLONED) != 0)
        {
            return RtnetlinkParseResult.Ignored;
        }

        byte destinationLength = payload[1];
        byte sourceLength = payload[2];
        int maxPrefix = family == RtnetlinkProtocol.AF_INET ? 32 : 128;
        if (destinationLength > maxPrefix || sourceLength > maxPrefix)
        {
            return RtnetlinkParseResult.Malformed;
        }

        IPAddress? destination = null;
        IPAddress? source = null;
        IPAddress? gateway = null;
        IPAddress? preferredSource = null;
        int outputInterface = 0;
        uint metric = 0;
        uint table = payload[4];
        RouteMetrics metrics = default;
        List<RouteNextHop>? nextHops = null;

        var attributes = new NetlinkAttributeReader(payload[RtnetlinkProtocol.RouteMessageSize..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            bool ok = true;
            switch (type)
            {
                case RtnetlinkProtocol.RTA_DST:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out destination);
                    break;
                case RtnetlinkProtocol.RTA_SRC:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out source);
                    break;
                case RtnetlinkProtocol.RTA_GATEWAY:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out gateway);
                    break;
                case RtnetlinkProtocol.RTA_VIA:
                    ok = TryReadVia(value, cache, out gateway);
                    break;
                case RtnetlinkProtocol.RTA_PREFSRC:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out preferredSource);
                    break;
                case RtnetlinkProtocol.RTA_OIF:
                    ok = TryReadUInt32(value, out uint oif);
                    outputInterface = (int)oif;
                    break;
                case RtnetlinkProtocol.RTA_PRIORITY:
                    ok = TryReadUInt32(value, out metric);
                    break;
                case RtnetlinkProtocol.RTA_TABLE:
                    // The u8 rtm_table says 252 (RT_TABLE_COMPAT) for tables above 255; this is the real id.
                    ok = TryReadUInt32(value, out table);
                    break;
                case RtnetlinkProtocol.RTA_METRICS:
                    ok = RouteMetrics.TryParse(value, out metrics);
                    break;
                case RtnetlinkProtocol.RTA_MULTIPATH:
                    ok = TryReadNextHops(family, value, cache, out nextHops);
                    break;
            }

            if (!ok)
            {
                return RtnetlinkParseResult.Malformed;
            }
        }

        if (attributes.IsMalformed)
        {
            return RtnetlinkParseResult.Malformed;
        }

        route = new RouteRecord
        {
            Family = family == RtnetlinkProtocol.AF_INET ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6,
            Destination = destination ?? RtnetlinkAddresses.Any(family),
            DestinationPrefixLength = destinationLength,
            Source = source,
            SourcePrefixLength = sourceLength,
            Gateway = gateway,
            OutputInterfaceIndex = outputInterface,
            PreferredSource = preferredSource,
            Metric = metric,
            Table = table,
            Protocol = payload[5],
            Scope = payload[6],
            Type = payload[7],
            Flags = flags,
            Tos = payload[3],
            Mtu = metrics.Mtu,
            AdvertisedMss = metrics.AdvertisedMss,
            Window = metrics.Window,
            InitialRtt = metrics.InitialRtt,
            NextHops = nextHops ?? (IReadOnlyList<RouteNextHop>)[],
        };
        return RtnetlinkParseResult.Parsed;
    }

    /// <summary>
    /// RTA_MULTIPATH: a packed list of <c>rtnexthop</c> (u16 len, u8 flags, u8 hops, i32 ifindex), each followed
    /// by its own attributes (RTA_GATEWAY, RTA_VIA) up to len. rtnh_hops is the weight minus one.
    /// </summary>
    private static bool TryReadNextHops(byte family, ReadOnlySpan<byte> value, IPAddressCache cache, out List<RouteNextHop>? nextHops)
    {
        nextHops = [];
        while (value.Length >= RtnetlinkProtocol.NextHopSize)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(value);
            if (length < RtnetlinkProtocol.NextHopSize || length > value.Length)
            {
                return false;
            }

            byte flags = value[2];
            int weight = value[3] + 1;
            int index = BinaryPrimitives.ReadInt32LittleEndian(value[4..]);
            IPAddress? gateway = null;

            var attributes = new NetlinkAttributeReader(value[RtnetlinkProtocol.NextHopSize..length]);
            while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> attribute))
            {
                bool ok = type switch
                {
                    RtnetlinkProtocol.RTA_GATEWAY => RtnetlinkAddresses.TryRead(family, attribute, cache, out gateway),
                    RtnetlinkProtocol.RTA_VIA => TryReadVia(attribute, cache, out gateway),
                    _ => true,
                };
                if (!ok)
                {
                    return false;
                }
            }

            if (attributes.IsMalformed)
            {
                return false;
            }

            nextHops.Add(new RouteNextHop(gateway, index, weight, flags));

            int next = NetlinkProtocol.Align(length);
            value = next >= value.Length ? default : value[next..];
        }

        return value.IsEmpty;
    }

    /// <summary>RTA_VIA (<c>struct rtvia</c>: u16 family, address): an IPv4 route's IPv6 next hop (RFC 5549).</summary>
    private static bool TryReadVia(ReadOnlySpan<byte> value, IPAddressCache cache, out IPAddress? gateway)
    {
        gateway = null;
        if (value.Length < sizeof(ushort))
        {
            return false;
        }

        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(value);
        if (family is not (RtnetlinkProtocol.AF_INET or RtnetlinkProtocol.AF_INET6))
        {
            // MPLS labels and the like: not an IP gateway, but not a broken message either.
            return true;
        }

        return RtnetlinkAddresses.TryRead((byte)family, value[sizeof(ushort)..], cache, out gateway);
    }

    private static bool TryReadUInt32(ReadOnlySpan<byte> value, out uint result)
    {
        if (value.Length < sizeof(uint))
        {
            result = 0;
            return false;
        }

        result = BinaryPrimitives.ReadUInt32LittleEndian(value);
        return true;
    }
}
