using System.Buffers.Binary;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Tests.Collection.Netlink;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>Builds synthetic rtnetlink messages for tests.</summary>
internal static class RtnetlinkWire
{
    public static byte[] Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        byte[] attribute = new byte[NetlinkProtocol.Align(4 + value.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), type);
        value.CopyTo(attribute.AsSpan(4));
        return attribute;
    }

    public static byte[] U32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] String(string value) => [.. System.Text.Encoding.UTF8.GetBytes(value), 0];

    /// <summary>An ifinfomsg payload for link <paramref name="index"/> named <paramref name="name"/>, plus extra attributes.</summary>
    public static byte[] LinkPayload(int index, string name, params byte[][] attributes)
    {
        byte[] header = new byte[RtnetlinkProtocol.IfInfoMessageSize];
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        return NetlinkWire.Concat([header, Attribute(RtnetlinkProtocol.IFLA_IFNAME, String(name)), .. attributes]);
    }

    public static byte[] AddressPayload(int index, byte[] address, byte prefixLength, params byte[][] attributes)
    {
        byte[] header = new byte[RtnetlinkProtocol.IfAddrMessageSize];
        header[0] = address.Length == 4 ? RtnetlinkProtocol.AF_INET : RtnetlinkProtocol.AF_INET6;
        header[1] = prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        return NetlinkWire.Concat([header, Attribute(RtnetlinkProtocol.IFA_ADDRESS, address), .. attributes]);
    }

    public static byte[] RoutePayload(byte family, byte destinationLength, byte table, uint flags, params byte[][] attributes)
    {
        byte[] header = new byte[RtnetlinkProtocol.RouteMessageSize];
        header[0] = family;
        header[1] = destinationLength;
        header[4] = table;
        header[5] = 4;
        header[7] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), flags);
        return NetlinkWire.Concat([header, .. attributes]);
    }

    /// <summary>The datagram that answers one dump: the messages, then NLMSG_DONE.</summary>
    public static byte[] Answer(uint sequence, ushort type, ushort flags, params byte[][] payloads) =>
        NetlinkWire.Concat([.. payloads.Select(p => NetlinkWire.Message(type, sequence, p, flags)), NetlinkWire.Done(sequence)]);
}
