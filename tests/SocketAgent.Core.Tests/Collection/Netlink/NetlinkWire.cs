using System.Buffers.Binary;
using SocketAgent.Collection.Netlink;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>Builds synthetic netlink messages for tests.</summary>
internal static class NetlinkWire
{
    public static byte[] Message(ushort type, uint sequence, ReadOnlySpan<byte> payload, ushort flags = NetlinkProtocol.NLM_F_MULTI)
    {
        int length = NetlinkProtocol.HeaderSize + payload.Length;
        byte[] message = new byte[NetlinkProtocol.Align(length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        payload.CopyTo(message.AsSpan(NetlinkProtocol.HeaderSize));
        return message;
    }

    public static byte[] Done(uint sequence, int status = 0, ushort flags = NetlinkProtocol.NLM_F_MULTI)
    {
        byte[] payload = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, status);
        return Message(NetlinkProtocol.NLMSG_DONE, sequence, payload, flags);
    }

    public static byte[] Error(uint sequence, int errno)
    {
        // nlmsgerr: -errno, then a copy of the request header.
        byte[] payload = new byte[4 + NetlinkProtocol.HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(payload, -errno);
        return Message(NetlinkProtocol.NLMSG_ERROR, sequence, payload, 0);
    }

    /// <summary>A minimal inet_diag_msg for 127.0.0.1:<paramref name="port"/> with the given inode.</summary>
    public static byte[] InetMessage(uint sequence, ushort port, uint inode, byte state = 10, ushort flags = NetlinkProtocol.NLM_F_MULTI)
    {
        byte[] payload = new byte[SockDiag.InetMessageSize];
        payload[0] = SockDiag.AF_INET;
        payload[1] = state;
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(4), port);
        payload[8] = 127;
        payload[11] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(68), inode);
        return Message(SockDiag.SOCK_DIAG_BY_FAMILY, sequence, payload, flags);
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
