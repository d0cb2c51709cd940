using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Parses <c>/proc/net/route</c>: <c>Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT</c>,
/// addresses as the <c>__be32</c> printed as a host-order hex word.
/// </summary>
/// <remarks>
/// The file lists the main table only (no local, default or policy tables) and omits protocol, scope and the
/// preferred source; the scope is inferred (link for a gateway-less route through a device, else universe), and
/// the type from the flags (RTF_REJECT: unreachable; no device: blackhole).
/// </remarks>
internal static class ProcNetRouteParser
{
    private const uint RTF_GATEWAY = 0x2;
    private const uint RTF_REJECT = 0x200;

    /// <summary>Adds every route of <paramref name="text"/> to <paramref name="routes"/>; returns the number of malformed lines skipped.</summary>
    /// <param name="indexes">Interface name → index, where known; routes through other devices get index 0.</param>
    public static int Parse(ReadOnlySpan<byte> text, IReadOnlyDictionary<string, int> indexes, List<RouteRecord> routes)
    {
        int malformed = 0;
        var lines = new ProcNetLines(text);
        bool header = true;
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (header)
            {
                header = false;
                continue;
            }

            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }

            if (TryParseLine(line, indexes, out RouteRecord? route))
            {
                routes.Add(route!);
            }
            else
            {
                malformed++;
            }
        }

        return malformed;
    }

    private static bool TryParseLine(ReadOnlySpan<byte> line, IReadOnlyDictionary<string, int> indexes, out RouteRecord? route)
    {
        route = null;
        var fields = new ProcNetTokenizer(line);
        if (!fields.TryNext(out ReadOnlySpan<byte> iface)
            || !NextHex(ref fields, out uint destination)
            || !NextHex(ref fields, out uint gateway)
            || !NextHex(ref fields, out uint flags)
            || !NextDecimal(ref fields, out _)
            || !NextDecimal(ref fields, out _)
            || !NextDecimal(ref fields, out uint metric)
            || !NextHex(ref fields, out uint mask)
            || !NextDecimal(ref fields, out uint mtu)
            || !NextDecimal(ref fields, out uint window)
            || !NextDecimal(ref fields, out uint irtt))
        {
            return false;
        }

        // The mask is a network-order word: in network order it must be ones then zeros.
        uint networkMask = BinaryPrimitives.ReverseEndianness(ToNetworkWordLittleEndian(mask));
        uint inverted = ~networkMask;
        if ((inverted & (inverted + 1)) != 0)
        {
            return false;
        }

        bool noDevice = iface.SequenceEqual("*"u8);
        string? name = noDevice ? null : Encoding.UTF8.GetString(iface);
        bool hasGateway = (flags & RTF_GATEWAY) != 0 && gateway != 0;

        route = new RouteRecord
        {
            Family = AddressFamily.InterNetwork,
            Destination = ToAddress(destination),
            DestinationPrefixLength = (byte)BitOperations.PopCount(networkMask),
            Gateway = hasGateway ? ToAddress(gateway) : null,
            OutputInterfaceIndex = name is not null && indexes.TryGetValue(name, out int index) ? index : 0,
            OutputInterfaceName = name,
            Metric = metric,
            Table = 254,
            Scope = !hasGateway && !noDevice ? (byte)253 : (byte)0,
            Type = (flags & RTF_REJECT) != 0 ? (byte)7 : noDevice ? (byte)6 : (byte)1,
            Mtu = mtu,
            Window = window,
            // The kernel prints RTAX_RTT >> 3 (milliseconds); keep the netlink unit so both sources agree.
            InitialRtt = irtt << 3,
        };
        return true;
    }

    /// <summary>The hex word as the kernel held it in memory; on a little-endian host its low byte is the first on the wire.</summary>
    private static uint ToNetworkWordLittleEndian(uint word) => BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);

    private static IPAddress ToAddress(uint word)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, ToNetworkWordLittleEndian(word));
        return new IPAddress(bytes);
    }

    private static bool NextHex(ref ProcNetTokenizer fields, out uint value)
    {
        value = 0;
        return fields.TryNext(out ReadOnlySpan<byte> token) && ProcNetNumbers.TryParseHex(token, out value);
    }

    private static bool NextDecimal(ref ProcNetTokenizer fields, out uint value)
    {
        value = 0;
        return fields.TryNext(out ReadOnlySpan<byte> token) && ProcNetNumbers.TryParseDecimal(token, out value);
    }
}
