using System.Buffers.Binary;
using SocketAgent.Collection.Netlink;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Writes rtnetlink dump requests (nlmsghdr + a zeroed family header) into a caller's buffer.</summary>
internal static class RtnetlinkRequest
{
    /// <summary>The largest request this writer produces.</summary>
    public const int MaxLength = NetlinkProtocol.HeaderSize + RtnetlinkProtocol.IfInfoMessageSize;

    /// <summary>
    /// A dump of every object of <paramref name="type"/> (RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE) in
    /// <paramref name="family"/>. The body is the message's full family header, all zero but the family: kernels
    /// with strict checking (<c>NETLINK_GET_STRICT_CHK</c>) reject a short one, and a zero rtm_table asks for
    /// every routing table (local, main, default and policy tables), as <c>ip route show table all</c> does.
    /// </summary>
    public static int WriteDump(Span<byte> destination, ushort type, byte family, uint sequence)
    {
        int bodyLength = type switch
        {
            RtnetlinkProtocol.RTM_GETLINK => RtnetlinkProtocol.IfInfoMessageSize,
            RtnetlinkProtocol.RTM_GETADDR => RtnetlinkProtocol.IfAddrMessageSize,
            RtnetlinkProtocol.RTM_GETROUTE => RtnetlinkProtocol.RouteMessageSize,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an rtnetlink dump request"),
        };

        int length = NetlinkProtocol.HeaderSize + bodyLength;
        Span<byte> message = destination[..length];
        message.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..], NetlinkProtocol.NLM_F_REQUEST | NetlinkProtocol.NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], sequence);
        // nlmsg_pid 0: the kernel fills in our port id. The family is the first byte of every family header.
        message[NetlinkProtocol.HeaderSize] = family;
        return length;
    }
}
