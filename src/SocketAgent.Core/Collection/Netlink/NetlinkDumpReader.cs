using System.Buffers.Binary;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Runs one netlink dump: sends the request, then reads datagrams until NLMSG_DONE or NLMSG_ERROR, handing
/// every data message to the consumer. One caller-provided buffer is reused for every <c>recv()</c>.
/// </summary>
internal static class NetlinkDumpReader
{
    /// <summary>
    /// A dump answers in datagrams of at most about 32 KiB (the kernel sizes them from the reader's buffer, up
    /// to that), so a buffer this size never truncates one.
    /// </summary>
    public const int BufferSize = 64 * 1024;

    public static NetlinkDumpResult Run(
        INetlinkTransport transport,
        ReadOnlySpan<byte> request,
        uint sequence,
        Span<byte> buffer,
        INetlinkMessageConsumer consumer)
    {
        transport.Send(request);

        bool interrupted = false;
        int malformed = 0;
        int foreign = 0;
        while (true)
        {
            int received = transport.Receive(buffer);
            if (received <= 0)
            {
                return new NetlinkDumpResult { Truncated = true, Interrupted = interrupted, MalformedDatagrams = malformed, ForeignMessages = foreign };
            }

            var reader = new NetlinkMessageReader(buffer[..Math.Min(received, buffer.Length)]);
            while (reader.TryRead(out NetlinkMessage message))
            {
                if (message.Sequence != sequence)
                {
                    // Left over from an earlier request on this socket (e.g. one abandoned by an exception).
                    foreign++;
                    continue;
                }

                interrupted |= (message.Flags & NetlinkProtocol.NLM_F_DUMP_INTR) != 0;
                switch (message.Type)
                {
                    case NetlinkProtocol.NLMSG_NOOP:
                        break;

                    case NetlinkProtocol.NLMSG_DONE:
                        // The kernel puts the dump's status (0 or -errno) after the header. A dump whose
                        // handler is missing (e.g. raw_diag not built) ends here with -ENOENT.
                        return new NetlinkDumpResult
                        {
                            Error = ReadErrno(message.Payload),
                            Interrupted = interrupted,
                            MalformedDatagrams = malformed,
                            ForeignMessages = foreign,
                        };

                    case NetlinkProtocol.NLMSG_ERROR:
                        // nlmsgerr: i32 error, then the offending request's header. error 0 is an ACK.
                        int errno = ReadErrno(message.Payload);
                        return new NetlinkDumpResult
                        {
                            Error = errno,
                            Interrupted = interrupted,
                            MalformedDatagrams = malformed,
                            ForeignMessages = foreign,
                        };

                    case NetlinkProtocol.NLMSG_OVERRUN:
                        break;

                    default:
                        consumer.OnMessage(message.Type, message.Payload);
                        break;
                }
            }

            if (reader.IsMalformed)
            {
                malformed++;
            }
        }
    }

    /// <summary>The positive errno of a status word (-errno on the wire); 0 when absent or non-negative.</summary>
    private static int ReadErrno(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < sizeof(int))
        {
            return 0;
        }

        int status = BinaryPrimitives.ReadInt32LittleEndian(payload);
        // int.MinValue cannot be negated; no real errno is anywhere near it.
        return status < 0 && status != int.MinValue ? -status : 0;
    }
}
