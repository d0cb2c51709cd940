using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Parses <c>/proc/net/ipv6_route</c>: <c>dest dst_len src src_len next_hop metric refcnt use flags device</c>, all
/// hex, addresses as 32 hex digits in network order.
/// </summary>
/// <remarks>
/// The file merges every table without saying which (<see cref="RouteRecord.Table"/> is 0), lists each next hop
/// of a multipath route as its own line, and has no protocol or preferred source. The type comes from the flags
/// (RTF_LOCAL: local; RTF_REJECT: unreachable, which also covers blackhole and prohibit) and multicast prefixes.
/// Cached clones (RTF_CACHE) and each table's catch-all null entry are left out, as netlink leaves them out.
/// </remarks>
internal static class ProcNetIpv6RouteParser
{
    private const uint RTF_GATEWAY = 0x2;
    private const uint RTF_REJECT = 0x200;
    private const uint RTF_CACHE = 0x0100_0000;
    private const uint RTF_LOCAL = 0x8000_0000;

    /// <summary>Adds every route of <paramref name="text"/> to <paramref name="routes"/>; returns the number of malformed lines skipped.</summary>
    public static int Parse(ReadOnlySpan<byte> text, IReadOnlyDictionary<string, int> indexes, List<RouteRecord> routes)
    {
        int malformed = 0;
        var lines = new ProcNetLines(text);
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }

            switch (TryParseLine(line, indexes, out RouteRecord? route))
            {
                case RtnetlinkParseResult.Parsed:
                    routes.Add(route!);
                    break;
                case RtnetlinkParseResult.Malformed:
                    malformed++;
                    break;
            }
        }

        return malformed;
    }

    private static RtnetlinkParseResult TryParseLine(ReadOnlySpan<byte> line, IReadOnlyDictionary<string, int> indexes, out RouteRecord? route)
    {
        route = null;
        Span<byte> destination = stackalloc byte[16];
        Span<byte> source = stackalloc byte[16];
        Span<byte> nextHop = stackalloc byte[16];
        var fields = new ProcNetTokenizer(line);
        if (!NextAddress(ref fields, destination)
            || !NextHex(ref fields, out uint destinationLength)
            || !NextAddress(ref fields, source)
            || !NextHex(ref fields, out uint sourceLength)
            || !NextAddress(ref fields, nextHop)
            || !NextHex(ref fields, out uint metric)
            || !NextHex(ref fields, out _)
            || !NextHex(ref fields, out _)
            || !NextHex(ref fields, out uint flags)
            || !fields.TryNext(out ReadOnlySpan<byte> device)
            || destinationLength > 128
            || sourceLength > 128)
        {
            return RtnetlinkParseResult.Malformed;
        }

        bool reject = (flags & RTF_REJECT) != 0;
        if ((flags & RTF_CACHE) != 0 || (reject && destinationLength == 0 && metric == uint.MaxValue))
        {
            return RtnetlinkParseResult.Ignored;
        }

        string name = Encoding.UTF8.GetString(device);
        bool hasGateway = (flags & RTF_GATEWAY) != 0 && nextHop.ContainsAnyExcept((byte)0);
        byte type = (flags & RTF_LOCAL) != 0 ? (byte)2
            : reject ? (byte)7
            : destinationLength >= 8 && destination[0] == 0xFF ? (byte)5
            : (byte)1;

        route = new RouteRecord
        {
            Family = AddressFamily.InterNetworkV6,
            Destination = new IPAddress(destination),
            DestinationPrefixLength = (byte)destinationLength,
            Source = sourceLength > 0 ? new IPAddress(source) : null,
            SourcePrefixLength = (byte)sourceLength,
            Gateway = hasGateway ? new IPAddress(nextHop) : null,
            OutputInterfaceIndex = indexes.TryGetValue(name, out int index) ? index : 0,
            OutputInterfaceName = name,
            Metric = metric,
            Type = type,
        };
        return RtnetlinkParseResult.Parsed;
    }

    private static bool NextAddress(ref ProcNetTokenizer fields, scoped Span<byte> address) =>
        fields.TryNext(out ReadOnlySpan<byte> token) && TryParseAddress(token, address);

    /// <summary>32 hex digits, network byte order.</summary>
    internal static bool TryParseAddress(ReadOnlySpan<byte> hex, Span<byte> address)
    {
        if (hex.Length != 32)
        {
            return false;
        }

        for (int i = 0; i < 16; i++)
        {
            if (!ProcNetNumbers.TryParseHex(hex.Slice(i * 2, 2), out uint b))
            {
                return false;
            }
            address[i] = (byte)b;
        }

        return true;
    }

    private static bool NextHex(ref ProcNetTokenizer fields, out uint value)
    {
        value = 0;
        return fields.TryNext(out ReadOnlySpan<byte> token) && ProcNetNumbers.TryParseHex(token, out value);
    }
}
