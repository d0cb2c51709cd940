using System.Net;
using System.Text;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Parses <c>/proc/net/if_inet6</c>: <c>address ifindex prefixlen scope flags name</c>, all hex. The only /proc
/// file with interface addresses: IPv4 addresses have none (they need netlink or the SIOCGIFCONF ioctl).
/// </summary>
internal static class ProcNetIfInet6Parser
{
    /// <summary>Adds every address of <paramref name="text"/> to <paramref name="addresses"/>; returns the number of malformed lines skipped.</summary>
    public static int Parse(ReadOnlySpan<byte> text, List<(string Name, int Index, InterfaceAddress Address)> addresses)
    {
        int malformed = 0;
        var lines = new ProcNetLines(text);
        Span<byte> address = stackalloc byte[16];
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }

            var fields = new ProcNetTokenizer(line);
            if (!fields.TryNext(out ReadOnlySpan<byte> hex) || !ProcNetIpv6RouteParser.TryParseAddress(hex, address)
                || !NextHex(ref fields, out uint index) || index == 0 || index > int.MaxValue
                || !NextHex(ref fields, out uint prefixLength) || prefixLength > 128
                || !NextHex(ref fields, out uint scope)
                || !NextHex(ref fields, out uint flags)
                || !fields.TryNext(out ReadOnlySpan<byte> name))
            {
                malformed++;
                continue;
            }

            addresses.Add((Encoding.UTF8.GetString(name), (int)index, new InterfaceAddress(new IPAddress(address), (byte)prefixLength)
            {
                Scope = ToRouteScope(scope),
                Flags = flags,
            }));
        }

        return malformed;
    }

    /// <summary>The file prints the IPv6 address-type scope bits (IPV6_ADDR_LOOPBACK 0x10, LINKLOCAL 0x20, SITELOCAL 0x40); netlink uses RT_SCOPE_*.</summary>
    private static byte ToRouteScope(uint scope) => scope switch
    {
        0x10 => 254,
        0x20 => 253,
        0x40 => 200,
        _ => 0,
    };

    private static bool NextHex(ref ProcNetTokenizer fields, out uint value)
    {
        value = 0;
        return fields.TryNext(out ReadOnlySpan<byte> token) && ProcNetNumbers.TryParseHex(token, out value);
    }
}
