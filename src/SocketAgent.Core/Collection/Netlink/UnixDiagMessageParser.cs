using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>Parses one <c>unix_diag_msg</c> with its NAME, PEER and RQLEN attributes into a <see cref="SocketRecord"/>.</summary>
internal static class UnixDiagMessageParser
{
    // unix_diag_msg: u8 family, type, state, pad; u32 ino; u32 cookie[2].
    private const int FamilyOffset = 0;
    private const int TypeOffset = 1;
    private const int StateOffset = 2;
    private const int InodeOffset = 4;
    private const int CookieOffset = 8;

    /// <summary>Returns false for a message that is too short, not AF_UNIX, or has a corrupt attribute.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out SocketRecord? record)
    {
        record = null;
        if (payload.Length < SockDiag.UnixMessageSize || payload[FamilyOffset] != SockDiag.AF_UNIX)
        {
            return false;
        }

        string? path = null;
        uint peer = 0;
        uint recvQueue = 0;
        uint sendQueue = 0;
        var attributes = new NetlinkAttributeReader(payload[SockDiag.UnixMessageSize..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case SockDiag.UNIX_DIAG_NAME:
                    path = DecodeName(value);
                    break;

                case SockDiag.UNIX_DIAG_PEER:
                    if (value.Length < sizeof(uint))
                    {
                        return false;
                    }
                    peer = BinaryPrimitives.ReadUInt32LittleEndian(value);
                    break;

                case SockDiag.UNIX_DIAG_RQLEN:
                    // unix_diag_rqlen: for a listener, pending connections and the backlog limit; else bytes queued.
                    if (value.Length < 2 * sizeof(uint))
                    {
                        return false;
                    }
                    recvQueue = BinaryPrimitives.ReadUInt32LittleEndian(value);
                    sendQueue = BinaryPrimitives.ReadUInt32LittleEndian(value[4..]);
                    break;
            }
        }

        if (attributes.IsMalformed)
        {
            return false;
        }

        record = new SocketRecord
        {
            Transport = Transport.Unix,
            Family = AddressFamily.Unix,
            UnixType = (UnixSocketType)payload[TypeOffset],
            State = (KernelSocketState)payload[StateOffset],
            Inode = BinaryPrimitives.ReadUInt32LittleEndian(payload[InodeOffset..]),
            Cookie = BinaryPrimitives.ReadUInt64LittleEndian(payload[CookieOffset..]),
            UnixPath = path,
            UnixPeerInode = peer,
            RecvQueue = recvQueue,
            SendQueue = sendQueue,
        };
        return true;
    }

    /// <summary>
    /// The kernel sends sun_path as bound: a filesystem path ends at its NUL; an abstract name starts with NUL
    /// and is every byte of its length, NULs included. Like ss and netstat, abstract names are shown with a
    /// leading '@' and each embedded NUL as '@'.
    /// </summary>
    internal static string? DecodeName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return null;
        }

        if (name[0] == 0)
        {
            return "@" + Encoding.UTF8.GetString(name[1..]).Replace('\0', '@');
        }

        int end = name.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
    }
}
