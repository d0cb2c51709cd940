using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SocketAgent.Model;

namespace SocketAgent.Collection.Procfs;

/// <summary>
/// Parses <c>/proc/net/{tcp,tcp6,udp,udp6,raw,raw6}</c> (net/ipv4/tcp_ipv4.c <c>get_tcp4_sock</c> and friends):
/// <code>sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...</code>
/// </summary>
/// <remarks>
/// <para>Addresses: the kernel prints each <c>__be32</c> word of the address with <c>%08X</c>, i.e. as the
/// host-order value of the network-order bytes (on x86 "0100007F" is 127.0.0.1). Writing the parsed value back in
/// native byte order therefore restores the network bytes on any endianness. Ports are plain host-order hex.</para>
/// <para>Queues: for TCP LISTEN sockets rx_queue is the current accept backlog and tx_queue is 0, which is what
/// netstat shows. sock_diag (and so ss) reports the backlog in rqueue and the backlog <em>limit</em> in wqueue, so
/// the two sources differ in <see cref="SocketRecord.SendQueue"/> for listeners. For UDP, rx_queue is receive
/// buffer memory in use (skb truesize), not payload bytes.</para>
/// <para>Raw sockets print the IP protocol in the local port field; netstat shows it as the port, so it lands in
/// both <see cref="SocketRecord.LocalPort"/> and <see cref="SocketRecord.RawProtocol"/>.</para>
/// </remarks>
internal static class ProcNetInetParser
{
    /// <summary>
    /// Parses every data line of <paramref name="text"/> into <paramref name="results"/>. The header and blank
    /// lines are skipped; malformed lines are skipped and counted as <see cref="ProcfsCounters.LinesMalformed"/>.
    /// </summary>
    /// <param name="family">The file's family (<c>tcp</c> vs <c>tcp6</c>); decides the address width. IPv4-mapped
    /// addresses in the IPv6 files become IPv4 records.</param>
    /// <param name="listeningOnly">Keep only listening sockets (see <see cref="IsListening"/>).</param>
    /// <returns>The number of malformed lines.</returns>
    public static int Parse(
        ReadOnlySpan<byte> text,
        Transport transport,
        AddressFamily family,
        bool listeningOnly,
        List<SocketRecord> results,
        CollectionDiagnostics diagnostics)
    {
        if (transport == Transport.Unix || family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("Only TCP, UDP and raw tables over IPv4 or IPv6 are inet tables.");
        }

        int malformed = 0;
        var lines = new ProcNetLines(text);
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }

            switch (TryParseLine(line, transport, family, listeningOnly, out SocketRecord? record))
            {
                case LineResult.Record:
                    results.Add(record!);
                    break;
                case LineResult.Malformed:
                    malformed++;
                    break;
            }
        }

        if (malformed > 0)
        {
            diagnostics.Count(ProcfsCounters.LinesMalformed, malformed);
        }
        return malformed;
    }

    /// <summary>netstat -l's notion of listening: TCP LISTEN, unconnected (state 7) UDP and raw sockets.</summary>
    public static bool IsListening(Transport transport, KernelSocketState state) => transport switch
    {
        Transport.Tcp => state == KernelSocketState.Listen,
        Transport.Udp or Transport.Raw => state == KernelSocketState.Close,
        _ => false,
    };

    private enum LineResult
    {
        Record,
        Skipped,
        Malformed,
    }

    private static LineResult TryParseLine(
        ReadOnlySpan<byte> line,
        Transport transport,
        AddressFamily family,
        bool listeningOnly,
        out SocketRecord? record)
    {
        record = null;
        var fields = new ProcNetTokenizer(line);
        if (!fields.TryNext(out ReadOnlySpan<byte> sl))
        {
            return LineResult.Malformed;
        }
        if (sl.SequenceEqual("sl"u8))
        {
            return LineResult.Skipped; // the header
        }

        int addressWords = family == AddressFamily.InterNetwork ? 1 : 4;
        Span<uint> local = stackalloc uint[4];
        Span<uint> remote = stackalloc uint[4];

        if (sl[^1] != (byte)':' ||
            !fields.TryNext(out ReadOnlySpan<byte> localField) ||
            !TryParseEndpoint(localField, local[..addressWords], out uint localPort) ||
            !fields.TryNext(out ReadOnlySpan<byte> remoteField) ||
            !TryParseEndpoint(remoteField, remote[..addressWords], out uint remotePort) ||
            !fields.TryNext(out ReadOnlySpan<byte> stField) ||
            !ProcNetNumbers.TryParseHex(stField, out uint st) || st > byte.MaxValue ||
            !fields.TryNext(out ReadOnlySpan<byte> queuesField) ||
            !TryParsePair(queuesField, out ReadOnlySpan<byte> txField, out ReadOnlySpan<byte> rxField) ||
            !ProcNetNumbers.TryParseHex(txField, out uint txQueue) ||
            !ProcNetNumbers.TryParseHex(rxField, out uint rxQueue) ||
            !fields.TryNext(out ReadOnlySpan<byte> timerField) ||
            !TryParsePair(timerField, out ReadOnlySpan<byte> trField, out _) ||
            !ProcNetNumbers.TryParseHex(trField, out uint timer) || timer > byte.MaxValue ||
            !fields.TryNext(out _) || // retrnsmt
            !fields.TryNext(out ReadOnlySpan<byte> uidField) ||
            !ProcNetNumbers.TryParseDecimal(uidField, out uint uid) ||
            !fields.TryNext(out _) || // timeout
            !fields.TryNext(out ReadOnlySpan<byte> inodeField) ||
            !ProcNetNumbers.TryParseDecimal(inodeField, out ulong inode))
        {
            return LineResult.Malformed;
        }

        var state = (KernelSocketState)st;
        if (listeningOnly && !IsListening(transport, state))
        {
            return LineResult.Skipped;
        }

        IPAddress localAddress = ToAddress(local[..addressWords]);
        IPAddress remoteAddress = ToAddress(remote[..addressWords]);
        record = new SocketRecord
        {
            Transport = transport,
            Family = localAddress.AddressFamily,
            TableFamily = family,
            State = state,
            LocalAddress = localAddress,
            LocalPort = (int)localPort,
            RemoteAddress = remoteAddress,
            RemotePort = (int)remotePort,
            SendQueue = txQueue,
            RecvQueue = rxQueue,
            Timer = (byte)timer,
            Uid = uid,
            Inode = inode,
            Cookie = null, // /proc/net has no socket cookie
            RawProtocol = transport == Transport.Raw ? (int)localPort : 0,
        };
        return LineResult.Record;
    }

    /// <summary>"0100007F:0016": 8 or 32 hex digits of address, a colon, then a hex port.</summary>
    private static bool TryParseEndpoint(ReadOnlySpan<byte> field, Span<uint> words, out uint port)
    {
        port = 0;
        int addressLength = words.Length * 8;
        if (field.Length <= addressLength + 1 || field[addressLength] != (byte)':')
        {
            return false;
        }

        for (int i = 0; i < words.Length; i++)
        {
            if (!ProcNetNumbers.TryParseHex(field.Slice(i * 8, 8), out words[i]))
            {
                return false;
            }
        }

        return ProcNetNumbers.TryParseHex(field[(addressLength + 1)..], out port) && port <= ushort.MaxValue;
    }

    /// <summary>Splits "a:b" at its only colon.</summary>
    private static bool TryParsePair(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        int colon = field.IndexOf((byte)':');
        first = colon < 0 ? default : field[..colon];
        second = colon < 0 ? default : field[(colon + 1)..];
        return colon > 0;
    }

    private static IPAddress ToAddress(ReadOnlySpan<uint> words)
    {
        if (words.Length == 1)
        {
            return ToIPv4(words[0]);
        }

        // The kernel printed each word as the native-endian read of the network bytes: write them back natively.
        Span<byte> bytes = stackalloc byte[16];
        words.CopyTo(MemoryMarshal.Cast<byte, uint>(bytes));

        // ::ffff:a.b.c.d (an IPv4 peer of a dual-stack socket) is reported as IPv4, as sock_diag records are.
        if (words[0] == 0 && words[1] == 0 && bytes[8] == 0 && bytes[9] == 0 && bytes[10] == 0xFF && bytes[11] == 0xFF)
        {
            return ToIPv4(words[3]);
        }
        return new IPAddress(bytes);
    }

    private static IPAddress ToIPv4(uint nativeWord)
    {
        // IPAddress(long) takes the address with its first octet in the low byte, whatever the CPU's endianness.
        uint lowByteFirst = BitConverter.IsLittleEndian ? nativeWord : BinaryPrimitives.ReverseEndianness(nativeWord);
        return new IPAddress(lowByteFirst);
    }
}
