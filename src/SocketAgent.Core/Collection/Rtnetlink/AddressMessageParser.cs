using System.Buffers.Binary;
using System.Net;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Parses one RTM_NEWADDR message (<c>ifaddrmsg</c> + IFA_* attributes) into an <see cref="InterfaceAddress"/>.</summary>
internal static class AddressMessageParser
{
    /// <param name="interfaceIndex">ifa_index: the link the address belongs to.</param>
    public static RtnetlinkParseResult Parse(ReadOnlySpan<byte> payload, IPAddressCache cache, out int interfaceIndex, out InterfaceAddress? address)
    {
        interfaceIndex = 0;
        address = null;
        if (payload.Length < RtnetlinkProtocol.IfAddrMessageSize)
        {
            return RtnetlinkParseResult.Malformed;
        }

        byte family = payload[0];
        if (family is not (RtnetlinkProtocol.AF_INET or RtnetlinkProtocol.AF_INET6))
        {
            // Only IP addresses are asked for; anything else (a DECnet or MPLS address) is not ours to list.
            return RtnetlinkParseResult.Ignored;
        }

        byte prefixLength = payload[1];
        uint flags = payload[2];
        byte scope = payload[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);

        IPAddress? ifaAddress = null;
        IPAddress? ifaLocal = null;
        IPAddress? broadcast = null;
        string? label = null;

        var attributes = new NetlinkAttributeReader(payload[RtnetlinkProtocol.IfAddrMessageSize..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            bool ok = true;
            switch (type)
            {
                case RtnetlinkProtocol.IFA_ADDRESS:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out ifaAddress);
                    break;
                case RtnetlinkProtocol.IFA_LOCAL:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out ifaLocal);
                    break;
                case RtnetlinkProtocol.IFA_BROADCAST:
                    ok = RtnetlinkAddresses.TryRead(family, value, cache, out broadcast);
                    break;
                case RtnetlinkProtocol.IFA_LABEL:
                    label = RtnetlinkAddresses.ReadString(value);
                    break;
                case RtnetlinkProtocol.IFA_FLAGS:
                    // The u8 ifa_flags has no room for the newer flags (MANAGETEMPADDR, NOPREFIXROUTE…): this overrides it.
                    ok = value.Length >= 4;
                    if (ok)
                    {
                        flags = BinaryPrimitives.ReadUInt32LittleEndian(value);
                    }
                    break;
            }

            if (!ok)
            {
                return RtnetlinkParseResult.Malformed;
            }
        }

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the same, or the far end of a point-to-point
        // link. IPv6 sends IFA_LOCAL only when a peer is configured, so "local if present" works for both.
        IPAddress? own = ifaLocal ?? ifaAddress;
        int maxPrefix = family == RtnetlinkProtocol.AF_INET ? 32 : 128;
        if (attributes.IsMalformed || own is null || index <= 0 || prefixLength > maxPrefix)
        {
            return RtnetlinkParseResult.Malformed;
        }

        interfaceIndex = index;
        address = new InterfaceAddress(own, prefixLength)
        {
            Peer = ifaLocal is not null && ifaAddress is not null && !ifaAddress.Equals(ifaLocal) ? ifaAddress : null,
            Broadcast = broadcast,
            Label = label,
            Scope = scope,
            Flags = flags,
        };
        return RtnetlinkParseResult.Parsed;
    }
}
