using System.Buffers.Binary;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Turns one datagram received on a sock_diag destroy subscription into <see cref="SocketRecord"/>s. Each
/// notification is an <c>inet_diag_msg</c> (SOCK_DIAG_BY_FAMILY) carrying INET_DIAG_PROTOCOL, which says the
/// transport (the message itself does not), and for TCP the final tcp_info.
/// </summary>
internal static class SockDiagDestroyParser
{
    // inet_diag_msg.idiag_wqueue: a UDP socket's notification carries sk_wmem_alloc - 1 of a socket whose last
    // reference is gone, i.e. -1 (seen on 6.18). That is no queue: report 0.
    private const int SendQueueOffset = 60;

    private const int MaxStackCopy = 1024;

    /// <summary>Parses <paramref name="datagram"/>, appending the wanted sockets to <paramref name="output"/>.</summary>
    public static SockDiagDestroyParseResult Parse(ReadOnlySpan<byte> datagram, TransportSet transports, IPAddressCache addresses, List<SocketRecord> output)
    {
        var result = default(SockDiagDestroyParseResult);
        var messages = new NetlinkMessageReader(datagram);
        while (messages.TryRead(out NetlinkMessage message))
        {
            if (message.Type != SockDiag.SOCK_DIAG_BY_FAMILY)
            {
                // NLMSG_NOOP and the like: nothing the kernel sends on these groups today, but harmless.
                result.Ignored++;
                continue;
            }

            switch (TryParseMessage(message.Payload, transports, addresses, out SocketRecord? record))
            {
                case MessageOutcome.Parsed:
                    output.Add(record!);
                    result.Parsed++;
                    break;
                case MessageOutcome.Ignored:
                    result.Ignored++;
                    break;
                default:
                    result.Malformed++;
                    break;
            }
        }

        if (messages.IsMalformed)
        {
            result.Malformed++;
        }

        return result;
    }

    private enum MessageOutcome { Parsed, Ignored, Malformed }

    private static MessageOutcome TryParseMessage(ReadOnlySpan<byte> payload, TransportSet transports, IPAddressCache addresses, out SocketRecord? record)
    {
        record = null;
        if (payload.Length < SockDiag.InetMessageSize)
        {
            return MessageOutcome.Malformed;
        }

        int protocol = -1;
        bool hasInfo = false;
        var attributes = new NetlinkAttributeReader(payload[SockDiag.InetMessageSize..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == SockDiag.INET_DIAG_PROTOCOL && !value.IsEmpty)
            {
                protocol = value[0];
            }
            else if (type == SockDiag.INET_DIAG_INFO)
            {
                hasInfo = true;
            }
        }

        if (attributes.IsMalformed)
        {
            return MessageOutcome.Malformed;
        }

        // Every kernel with destroy groups sends the protocol; without it, tcp_info is what only TCP has.
        Transport transport;
        switch (protocol)
        {
            case SockDiag.IPPROTO_TCP:
                transport = Transport.Tcp;
                break;
            case SockDiag.IPPROTO_UDP:
                transport = Transport.Udp;
                break;
            case -1:
                transport = hasInfo ? Transport.Tcp : Transport.Udp;
                break;
            default:
                // UDP-Lite (136) shares the UDP groups; it is not a transport the agent reports.
                return MessageOutcome.Ignored;
        }

        if ((transports & transport.ToSet()) == 0)
        {
            return MessageOutcome.Ignored;
        }

        bool parsed;
        if (BinaryPrimitives.ReadUInt32LittleEndian(payload[SendQueueOffset..]) == uint.MaxValue)
        {
            Span<byte> copy = payload.Length <= MaxStackCopy ? stackalloc byte[MaxStackCopy] : new byte[payload.Length];
            copy = copy[..payload.Length];
            payload.CopyTo(copy);
            BinaryPrimitives.WriteUInt32LittleEndian(copy[SendQueueOffset..], 0);
            parsed = InetDiagMessageParser.TryParse(copy, transport, addresses, out record);
        }
        else
        {
            parsed = InetDiagMessageParser.TryParse(payload, transport, addresses, out record);
        }

        return parsed ? MessageOutcome.Parsed : MessageOutcome.Malformed;
    }
}

/// <summary>What <see cref="SockDiagDestroyParser.Parse"/> made of one datagram.</summary>
internal struct SockDiagDestroyParseResult
{
    public int Parsed;
    public int Ignored;
    public int Malformed;
}
