using System.Buffers.Binary;

namespace SocketAgent.Collection.Netlink;

/// <summary>Writes sock_diag dump requests (nlmsghdr + request body) into a caller's buffer.</summary>
internal static class SockDiagRequest
{
    public const int InetLength = NetlinkProtocol.HeaderSize + SockDiag.InetRequestSize;
    public const int UnixLength = NetlinkProtocol.HeaderSize + SockDiag.UnixRequestSize;

    /// <summary>An <c>inet_diag_req_v2</c> dump of every socket of (<paramref name="family"/>, <paramref name="protocol"/>) in <paramref name="states"/>.</summary>
    public static int WriteInet(Span<byte> destination, uint sequence, byte family, byte protocol, byte extensions, uint states)
    {
        Span<byte> message = destination[..InetLength];
        message.Clear();
        WriteHeader(message, sequence);

        Span<byte> body = message[NetlinkProtocol.HeaderSize..];
        body[0] = family;
        body[1] = protocol;
        body[2] = extensions;
        // body[3] is sdiag_raw_protocol for IPPROTO_RAW: 0 matches every raw socket, as ss sends it.
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], states);
        // The zeroed sockid matches everything.
        return InetLength;
    }

    /// <summary>A <c>unix_diag_req</c> dump of every UNIX socket in <paramref name="states"/>.</summary>
    public static int WriteUnix(Span<byte> destination, uint sequence, uint states, uint show)
    {
        Span<byte> message = destination[..UnixLength];
        message.Clear();
        WriteHeader(message, sequence);

        Span<byte> body = message[NetlinkProtocol.HeaderSize..];
        body[0] = SockDiag.AF_UNIX;
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], states);
        BinaryPrimitives.WriteUInt32LittleEndian(body[12..], show);
        return UnixLength;
    }

    private static void WriteHeader(Span<byte> message, uint sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message[4..], SockDiag.SOCK_DIAG_BY_FAMILY);
        BinaryPrimitives.WriteUInt16LittleEndian(message[6..], NetlinkProtocol.NLM_F_REQUEST | NetlinkProtocol.NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], sequence);
        // nlmsg_pid 0: the kernel fills in our port id.
    }
}
