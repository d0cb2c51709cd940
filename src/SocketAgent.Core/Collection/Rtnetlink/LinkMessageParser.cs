using System.Buffers.Binary;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Parses one RTM_NEWLINK message (<c>ifinfomsg</c> + IFLA_* attributes) into an <see cref="InterfaceRecord"/>.</summary>
internal static class LinkMessageParser
{
    public static RtnetlinkParseResult Parse(ReadOnlySpan<byte> payload, out InterfaceRecord? record)
    {
        record = null;
        if (payload.Length < RtnetlinkProtocol.IfInfoMessageSize)
        {
            return RtnetlinkParseResult.Malformed;
        }

        ushort linkType = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);

        string? name = null;
        string? qdisc = null;
        string? kind = null;
        byte[] hardwareAddress = [];
        uint mtu = 0;
        byte operState = 0;
        int parent = 0;
        int master = 0;
        InterfaceCounters counters = InterfaceCounters.Zero;

        var attributes = new NetlinkAttributeReader(payload[RtnetlinkProtocol.IfInfoMessageSize..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case RtnetlinkProtocol.IFLA_IFNAME:
                    name = RtnetlinkAddresses.ReadString(value);
                    break;
                case RtnetlinkProtocol.IFLA_ADDRESS:
                    hardwareAddress = value.ToArray();
                    break;
                case RtnetlinkProtocol.IFLA_MTU when value.Length >= 4:
                    mtu = BinaryPrimitives.ReadUInt32LittleEndian(value);
                    break;
                case RtnetlinkProtocol.IFLA_OPERSTATE when value.Length >= 1:
                    operState = value[0];
                    break;
                case RtnetlinkProtocol.IFLA_QDISC:
                    qdisc = RtnetlinkAddresses.ReadString(value);
                    break;
                case RtnetlinkProtocol.IFLA_LINK when value.Length >= 4:
                    parent = BinaryPrimitives.ReadInt32LittleEndian(value);
                    break;
                case RtnetlinkProtocol.IFLA_MASTER when value.Length >= 4:
                    master = BinaryPrimitives.ReadInt32LittleEndian(value);
                    break;
                case RtnetlinkProtocol.IFLA_STATS64:
                    counters = LinkStatsParser.Parse(value);
                    break;
                case RtnetlinkProtocol.IFLA_LINKINFO:
                    if (!TryReadKind(value, out kind))
                    {
                        return RtnetlinkParseResult.Malformed;
                    }
                    break;
                case RtnetlinkProtocol.IFLA_MTU or RtnetlinkProtocol.IFLA_OPERSTATE or RtnetlinkProtocol.IFLA_LINK or RtnetlinkProtocol.IFLA_MASTER:
                    // A fixed-size attribute shorter than its type: the message cannot be trusted.
                    return RtnetlinkParseResult.Malformed;
            }
        }

        // Every link has a name; a message without one (or with a cut attribute list) is not a real link.
        if (attributes.IsMalformed || string.IsNullOrEmpty(name) || index <= 0)
        {
            return RtnetlinkParseResult.Malformed;
        }

        record = new InterfaceRecord
        {
            Index = index,
            Name = name,
            Flags = flags,
            LinkType = linkType,
            Mtu = mtu,
            OperState = operState,
            HardwareAddress = hardwareAddress,
            Qdisc = qdisc,
            ParentIndex = parent,
            MasterIndex = master,
            Kind = kind,
            Counters = counters,
        };
        return RtnetlinkParseResult.Parsed;
    }

    /// <summary>IFLA_INFO_KIND inside the nested IFLA_LINKINFO (veth, bridge, vlan…); null when absent.</summary>
    private static bool TryReadKind(ReadOnlySpan<byte> linkInfo, out string? kind)
    {
        kind = null;
        var nested = new NetlinkAttributeReader(linkInfo);
        while (nested.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == RtnetlinkProtocol.IFLA_INFO_KIND)
            {
                kind = RtnetlinkAddresses.ReadString(value);
            }
        }

        return !nested.IsMalformed;
    }
}
