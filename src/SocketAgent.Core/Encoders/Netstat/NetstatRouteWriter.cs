using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Prints <c>netstat -r</c> (<c>-rn</c>, <c>-re</c>, <c>-ree</c>, <c>-r -6</c>) as net-tools 2.10 does, from rtnetlink
/// routes. netstat reads /proc/net/route, which is the kernel's main table (254) without broadcast and multicast
/// routes, walked in trie order: destination ascending, longer prefix first, otherwise kernel order — the order this
/// writer restores with a stable sort, so it does not depend on how the collector dumped. The kernel's columns are
/// derived as /proc/net/route derives them: flags U always, G with a gateway, H for /32, <c>!</c> alone for
/// unreachable/prohibit; "MSS" is RTAX_ADVMSS + 40 (the kernel's MTU column), irtt is RTAX_RTT / 8; Ref and Use are 0.
/// </summary>
internal sealed class NetstatRouteWriter
{
    private const uint RouteTableMain = 254;
    private const byte RtnLocal = 2, RtnBroadcast = 3, RtnAnycast = 4, RtnMulticast = 5, RtnBlackhole = 6, RtnUnreachable = 7, RtnProhibit = 8;
    private const int AddressWidth = 15; // netstat cuts every address column to 15 characters

    private readonly NetstatRouteOptions _options;
    private readonly INameResolver _names;
    private readonly NetstatRouteNetworkNames _networks;

    /// <param name="names">Host names for gateways and host routes; ignored with <see cref="NetstatRouteOptions.NumericHosts"/>.</param>
    /// <param name="networks">/etc/networks names for network destinations; null knows none.</param>
    public NetstatRouteWriter(NetstatRouteOptions options, INameResolver names, NetstatRouteNetworkNames? networks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(names);
        _options = options;
        _names = names;
        _networks = networks ?? NetstatRouteNetworkNames.Empty;
    }

    public async Task WriteAsync(IReadOnlyList<RouteRecord> routes, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(output);

        List<Ipv4Row> v4 = (_options.Families & IpFamilySet.IPv4) != 0 ? SelectIpv4(routes) : [];
        List<RouteRecord> v6 = (_options.Families & IpFamilySet.IPv6) != 0 ? SelectIpv6(routes) : [];
        if (!_options.NumericHosts)
        {
            await _names.PrepareHostsAsync(HostsToLookUp(v4, v6), cancellationToken).ConfigureAwait(false);
        }

        var text = new StringBuilder(128 * (v4.Count + v6.Count + 2));
        if ((_options.Families & IpFamilySet.IPv4) != 0)
        {
            WriteIpv4(v4, text);
        }
        if ((_options.Families & IpFamilySet.IPv6) != 0)
        {
            WriteIpv6(v6, text);
        }
        await output.WriteAsync(text, cancellationToken).ConfigureAwait(false);
    }

    // ---- IPv4: lib/inet_gr.c rprint_fib over /proc/net/route ----

    internal static List<Ipv4Row> SelectIpv4(IReadOnlyList<RouteRecord> routes)
    {
        var rows = new List<Ipv4Row>();
        foreach (RouteRecord route in routes)
        {
            if (route.Family == AddressFamily.InterNetwork && route.Table == RouteTableMain &&
                route.Type is not (RtnBroadcast or RtnMulticast) && route.DestinationPrefixLength <= 32)
            {
                rows.Add(new Ipv4Row(route, rows.Count));
            }
        }
        // Trie order: key ascending, then longest prefix first; the original index keeps kernel order for the rest.
        rows.Sort(static (a, b) =>
        {
            int order = a.Destination.CompareTo(b.Destination);
            if (order == 0) order = b.Route.DestinationPrefixLength.CompareTo(a.Route.DestinationPrefixLength);
            return order != 0 ? order : a.Position.CompareTo(b.Position);
        });
        return rows;
    }

    private void WriteIpv4(List<Ipv4Row> rows, StringBuilder text)
    {
        int layout = _options.Layout;
        text.Append("Kernel IP routing table\n");
        switch (layout)
        {
            case 1:
                text.Append("Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n");
                break;
            case 2:
                text.Append("Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n");
                break;
            case 3:
                text.Append("Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n");
                break;
            default:
                return; // netstat -reee: the heading and nothing else
        }

        foreach (Ipv4Row row in rows)
        {
            RouteRecord route = row.Route;
            bool reject = route.Type is RtnUnreachable or RtnProhibit;
            bool host = route.DestinationPrefixLength == 32;
            string destination = Cut(DestinationText(row.Destination, row.Mask, host));
            string mask = FormatIpv4(row.Mask);
            int metric = unchecked((int)route.Metric);
            if (reject)
            {
                // Flags are "!" alone: net-tools strcpy()s it over the U.
                Pad(text, destination, 15).Append(" -               ");
                Pad(text, mask, 15).Append(' ').Append("!    ");
                switch (layout)
                {
                    case 1:
                        text.Append("     - -          - -\n");
                        break;
                    case 2:
                        text.Append(' ');
                        Pad(text, Int(metric), 6).Append(" -  ");
                        PadLeft(text, "0", 7).Append(" -\n");
                        break;
                    default:
                        text.Append(' ');
                        Pad(text, Int(metric), 6).Append(" -  ");
                        PadLeft(text, "0", 7).Append(" -        -     -      -\n");
                        break;
                }
                continue;
            }

            (IPAddress? gatewayAddress, string iface) = FirstHop(route);
            uint gateway = gatewayAddress is { AddressFamily: AddressFamily.InterNetwork } ? ToHostOrder(gatewayAddress) : 0;
            string flags = "U" + (gatewayAddress is not null && !IsAny(gatewayAddress) ? "G" : "") + (host ? "H" : "");
            string gatewayText = Cut(gateway == 0 || _options.NumericHosts
                ? FormatIpv4(gateway)
                : _names.HostName(gatewayAddress!) ?? FormatIpv4(gateway));
            int mss = route.AdvertisedMss != 0 ? unchecked((int)route.AdvertisedMss + 40) : 0;
            int window = unchecked((int)route.Window);
            int irtt = unchecked((int)(route.InitialRtt >> 3));

            Pad(text, destination, 15).Append(' ');
            Pad(text, gatewayText, 15).Append(' ');
            Pad(text, mask, 15).Append(' ');
            Pad(text, flags, 5).Append(' ');
            switch (layout)
            {
                case 1: // "%5d %-5d %6d %s"
                    PadLeft(text, Int(mss), 5).Append(' ');
                    Pad(text, Int(window), 5).Append(' ');
                    PadLeft(text, Int(irtt), 6).Append(' ').Append(iface).Append('\n');
                    break;
                case 2: // "%-6d %-2d %7d %s"
                    Pad(text, Int(metric), 6).Append(' ');
                    Pad(text, "0", 2).Append(' ');
                    PadLeft(text, "0", 7).Append(' ').Append(iface).Append('\n');
                    break;
                default: // "%-6d %-3d %6d %-6.6s   %-5d %-6d %d"
                    Pad(text, Int(metric), 6).Append(' ');
                    Pad(text, "0", 3).Append(' ');
                    PadLeft(text, "0", 6).Append(' ');
                    Pad(text, iface.Length > 6 ? iface[..6] : iface, 6).Append("   ");
                    Pad(text, Int(mss), 5).Append(' ');
                    Pad(text, Int(window), 6).Append(' ').Append(Int(irtt)).Append('\n');
                    break;
            }
        }
    }

    // INET_rresolve: 0.0.0.0 is "default"; an address with host bits (or a /32) is a host, otherwise a network.
    private string DestinationText(uint destination, uint mask, bool host)
    {
        if (_options.NumericHosts)
        {
            return FormatIpv4(destination);
        }
        if (destination == 0)
        {
            return "default";
        }
        string? name = host || (destination & ~mask) != 0
            ? _names.HostName(ToAddress(destination))
            : _networks.Lookup(destination);
        return name ?? FormatIpv4(destination);
    }

    // ---- IPv6: lib/inet6_gr.c rprint_fib6 over /proc/net/ipv6_route ----

    internal static List<RouteRecord> SelectIpv6(IReadOnlyList<RouteRecord> routes)
    {
        // /proc/net/ipv6_route lists every table, every type, in the kernel's walk order: keep the collector's order.
        var rows = new List<RouteRecord>();
        foreach (RouteRecord route in routes)
        {
            if (route.Family == AddressFamily.InterNetworkV6)
            {
                rows.Add(route);
            }
        }
        return rows;
    }

    private void WriteIpv6(List<RouteRecord> routes, StringBuilder text)
    {
        text.Append("Kernel IPv6 routing table\n");
        text.Append("Destination                    Next Hop                   Flag Met Ref  Use If\n");
        foreach (RouteRecord route in routes)
        {
            (IPAddress? gateway, string iface) = FirstHop(route);
            if (iface == "*")
            {
                iface = "lo"; // IPv6 reject routes hang off the loopback device
            }
            string destination = Ipv6Text(route.Destination) + "/" + Int(route.DestinationPrefixLength);
            string nextHop = Ipv6Text(gateway ?? IPAddress.IPv6Any);

            bool reject = route.Type is RtnBlackhole or RtnUnreachable or RtnProhibit;
            var flags = new StringBuilder(4).Append('U');
            if (reject) flags.Append('!');
            if (gateway is not null && !IsAny(gateway)) flags.Append('G');
            if (reject || route.Type is RtnLocal or RtnAnycast) flags.Append('n'); // RTF_NONEXTHOP

            // Ref is the kernel's fib6_ref, which rtnetlink does not report: printed as 0.
            WriteIpv6Row(text, destination, nextHop, flags.ToString(), unchecked((int)route.Metric), 0, iface);
        }

        // /proc/net/ipv6_route ends with the kernel's ip6_null_entry (the tree root's reject route), which no
        // rtnetlink dump returns; netstat prints it as "!n" with metric -1 and one reference on lo.
        WriteIpv6Row(text, _options.NumericHosts ? "::/0" : "[::]/0", Ipv6Text(IPAddress.IPv6Any), "!n", -1, 1, "lo");
    }

    // "%-30s %-26s %-4s %-3d %-1d %6d %s"
    private static void WriteIpv6Row(StringBuilder text, string destination, string nextHop, string flags, int metric, int references, string iface)
    {
        Pad(text, destination, 30).Append(' ');
        Pad(text, nextHop, 26).Append(' ');
        Pad(text, flags, 4).Append(' ');
        Pad(text, Int(metric), 3).Append(' ');
        text.Append(Int(references)).Append(' ');
        PadLeft(text, "0", 6).Append(' ').Append(iface).Append('\n');
    }

    private string Ipv6Text(IPAddress address)
    {
        // INET6_rresolve without -n: "[::]" for the unspecified address, else a name if the resolver has one.
        if (!_options.NumericHosts)
        {
            if (IsAny(address))
            {
                return "[::]";
            }
            if (_names.HostName(address) is { } name)
            {
                return name;
            }
        }
        return address.ToString();
    }

    // ---- shared ----

    private List<IPAddress> HostsToLookUp(List<Ipv4Row> v4, List<RouteRecord> v6)
    {
        var addresses = new List<IPAddress>();
        foreach (Ipv4Row row in v4)
        {
            if (row.Route.Type is RtnUnreachable or RtnProhibit)
            {
                continue;
            }
            if (row.Destination != 0 && (row.Route.DestinationPrefixLength == 32 || (row.Destination & ~row.Mask) != 0))
            {
                addresses.Add(ToAddress(row.Destination));
            }
            if (FirstHop(row.Route).Gateway is { AddressFamily: AddressFamily.InterNetwork } gateway && !IsAny(gateway))
            {
                addresses.Add(gateway);
            }
        }
        foreach (RouteRecord route in v6)
        {
            if (!IsAny(route.Destination))
            {
                addresses.Add(route.Destination);
            }
            if (FirstHop(route).Gateway is { } gateway && !IsAny(gateway))
            {
                addresses.Add(gateway);
            }
        }
        return addresses;
    }

    // The kernel prints the first next hop of a multipath route; a route without a device prints "*".
    private static (IPAddress? Gateway, string Interface) FirstHop(RouteRecord route)
    {
        if (route.Gateway is null && route.OutputInterfaceIndex == 0 && route.NextHops.Count > 0)
        {
            RouteNextHop first = route.NextHops[0];
            return (first.Gateway, first.InterfaceName ?? (first.InterfaceIndex != 0 ? Int(first.InterfaceIndex) : "*"));
        }
        string iface = route.OutputInterfaceName ?? (route.OutputInterfaceIndex != 0 ? Int(route.OutputInterfaceIndex) : "*");
        return (route.Gateway, iface);
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static uint ToHostOrder(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        return address.TryWriteBytes(bytes, out int written) && written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : 0;
    }

    private static IPAddress ToAddress(uint hostOrder)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, hostOrder);
        return new IPAddress(bytes);
    }

    private static string FormatIpv4(uint hostOrder) => string.Create(CultureInfo.InvariantCulture,
        $"{hostOrder >> 24}.{(hostOrder >> 16) & 0xFF}.{(hostOrder >> 8) & 0xFF}.{hostOrder & 0xFF}");

    private static string Cut(string text) => text.Length > AddressWidth ? text[..AddressWidth] : text;

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static StringBuilder Pad(StringBuilder text, string value, int width) => text.Append(value).Append(' ', Math.Max(0, width - value.Length));

    private static StringBuilder PadLeft(StringBuilder text, string value, int width) => text.Append(' ', Math.Max(0, width - value.Length)).Append(value);

    /// <summary>An IPv4 route with its destination and mask as host-order numbers and its position in the input.</summary>
    internal sealed class Ipv4Row(RouteRecord route, int position)
    {
        public RouteRecord Route { get; } = route;
        public int Position { get; } = position;
        public uint Destination { get; } = ToHostOrder(route.Destination);
        public uint Mask { get; } = route.DestinationPrefixLength == 0 ? 0 : uint.MaxValue << (32 - route.DestinationPrefixLength);
    }
}
