using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Parses one <c>inet_diag_msg</c> and its attributes into a <see cref="SocketRecord"/>. Netlink fields are
/// host order (little-endian on every platform .NET runs Linux on); ports and addresses are network order.
/// </summary>
internal static class InetDiagMessageParser
{
    // inet_diag_msg layout: u8 family, state, timer, retrans; inet_diag_sockid @4; then u32 expires, rqueue,
    // wqueue, uid, inode.
    private const int FamilyOffset = 0;
    private const int StateOffset = 1;
    private const int TimerOffset = 2;
    private const int SourcePortOffset = 4;
    private const int DestinationPortOffset = 6;
    private const int SourceAddressOffset = 8;
    private const int DestinationAddressOffset = 24;
    private const int InterfaceOffset = 40;
    private const int CookieOffset = 44;
    private const int RecvQueueOffset = 56;
    private const int SendQueueOffset = 60;
    private const int UidOffset = 64;
    private const int InodeOffset = 68;

    /// <summary>The state, cookie and inode of an <c>inet_diag_msg</c> without parsing the rest; false when too short.</summary>
    public static bool TryPeekIdentity(ReadOnlySpan<byte> payload, out KernelSocketState state, out ulong cookie, out ulong inode)
    {
        if (payload.Length < SockDiag.InetMessageSize)
        {
            state = default;
            cookie = inode = 0;
            return false;
        }
        state = (KernelSocketState)payload[StateOffset];
        cookie = BinaryPrimitives.ReadUInt64LittleEndian(payload[CookieOffset..]);
        inode = BinaryPrimitives.ReadUInt32LittleEndian(payload[InodeOffset..]);
        return true;
    }

    /// <summary>
    /// Returns false for a message that is too short, of an unknown family, or whose attributes are corrupt;
    /// the caller skips and counts it.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, Transport transport, IPAddressCache addresses, out SocketRecord? record)
    {
        record = null;
        if (payload.Length < SockDiag.InetMessageSize)
        {
            return false;
        }

        byte family = payload[FamilyOffset];
        if (family is not (SockDiag.AF_INET or SockDiag.AF_INET6))
        {
            return false;
        }

        TcpInfo? tcpInfo = null;
        int rawProtocol = -1;
        var attributes = new NetlinkAttributeReader(payload[SockDiag.InetMessageSize..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case SockDiag.INET_DIAG_INFO when transport == Transport.Tcp:
                    tcpInfo = TcpInfoParser.Parse(value);
                    break;

                case SockDiag.INET_DIAG_PROTOCOL when !value.IsEmpty:
                    // Sent for raw sockets only: the protocol given to socket(), which may be any u8.
                    rawProtocol = value[0];
                    break;
            }
        }

        if (attributes.IsMalformed)
        {
            return false;
        }

        ReadOnlySpan<byte> source = payload.Slice(SourceAddressOffset, 16);
        ReadOnlySpan<byte> destination = payload.Slice(DestinationAddressOffset, 16);
        AddressFamily addressFamily;
        IPAddress local;
        IPAddress remote;
        if (family == SockDiag.AF_INET)
        {
            addressFamily = AddressFamily.InterNetwork;
            local = addresses.GetV4(source[..4]);
            remote = addresses.GetV4(destination[..4]);
        }
        else if (IsV4Mapped(source) && (IsV4Mapped(destination) || IsZero(destination)))
        {
            // An IPv4 peer of a dual-stack socket: report it as the IPv4 connection it is.
            addressFamily = AddressFamily.InterNetwork;
            local = addresses.GetV4(source[12..]);
            remote = IsZero(destination) ? IPAddress.Any : addresses.GetV4(destination[12..]);
        }
        else
        {
            addressFamily = AddressFamily.InterNetworkV6;
            local = addresses.GetV6(source);
            remote = addresses.GetV6(destination);
        }

        int localPort = BinaryPrimitives.ReadUInt16BigEndian(payload[SourcePortOffset..]);
        record = new SocketRecord
        {
            Transport = transport,
            Family = addressFamily,
            TableFamily = family == SockDiag.AF_INET ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6,
            State = (KernelSocketState)payload[StateOffset],
            Timer = payload[TimerOffset],
            LocalAddress = local,
            LocalPort = localPort,
            RemoteAddress = remote,
            RemotePort = BinaryPrimitives.ReadUInt16BigEndian(payload[DestinationPortOffset..]),
            InterfaceIndex = BinaryPrimitives.ReadUInt32LittleEndian(payload[InterfaceOffset..]),
            Cookie = BinaryPrimitives.ReadUInt64LittleEndian(payload[CookieOffset..]),
            RecvQueue = BinaryPrimitives.ReadUInt32LittleEndian(payload[RecvQueueOffset..]),
            SendQueue = BinaryPrimitives.ReadUInt32LittleEndian(payload[SendQueueOffset..]),
            Uid = BinaryPrimitives.ReadUInt32LittleEndian(payload[UidOffset..]),
            Inode = BinaryPrimitives.ReadUInt32LittleEndian(payload[InodeOffset..]),
            TcpInfo = tcpInfo,
            // A raw socket's "port" is its protocol (inet_num), as /proc/net/raw prints it.
            RawProtocol = transport == Transport.Raw ? (rawProtocol >= 0 ? rawProtocol : localPort) : 0,
        };
        return true;
    }

    private static bool IsZero(ReadOnlySpan<byte> address) => address.IndexOfAnyExcept((byte)0) < 0;

    /// <summary><c>::ffff:a.b.c.d</c>.</summary>
    private static bool IsV4Mapped(ReadOnlySpan<byte> address) =>
        BinaryPrimitives.ReadUInt64LittleEndian(address) == 0 &&
        BinaryPrimitives.ReadUInt32BigEndian(address[8..]) == 0x0000FFFF;
}
