using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The names <c>ip link</c> / <c>ip addr</c> print for link flags, operational state, link type (<c>ARPHRD_*</c>)
/// and address flags (iproute2 <c>ip/ipaddress.c</c>, <c>lib/ll_types.c</c>). Strings are built once.
/// </summary>
internal static class InterfaceNames
{
    // ip's order (print_link_flags). ip hides RUNNING; it is kept here, after UP, because netstat -i and ifconfig
    // show it and "UP but not RUNNING" is ip's NO-CARRIER.
    private static readonly (uint Bit, string Name)[] s_linkFlags =
    [
        (0x8, "LOOPBACK"), (0x2, "BROADCAST"), (0x10, "POINTOPOINT"), (0x1000, "MULTICAST"), (0x80, "NOARP"),
        (0x200, "ALLMULTI"), (0x100, "PROMISC"), (0x400, "MASTER"), (0x800, "SLAVE"), (0x4, "DEBUG"), (0x8000, "DYNAMIC"),
        (0x4000, "AUTOMEDIA"), (0x2000, "PORTSEL"), (0x20, "NOTRAILERS"), (0x1, "UP"), (0x40, "RUNNING"),
        (0x10000, "LOWER_UP"), (0x20000, "DORMANT"), (0x40000, "ECHO"),
    ];

    // IFA_F_*; bit 0x1 is "secondary" for IPv4 and "temporary" for IPv6, as ip prints it.
    private static readonly (uint Bit, string Name)[] s_addressFlagsV4 = CreateAddressFlags("secondary");
    private static readonly (uint Bit, string Name)[] s_addressFlagsV6 = CreateAddressFlags("temporary");

    private static readonly string[] s_operStates = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"];

    private static readonly Dictionary<ushort, string> s_linkTypes = new()
    {
        [1] = "ether", [6] = "ieee802", [19] = "atm", [24] = "ieee1394", [32] = "infiniband", [256] = "slip",
        [257] = "cslip", [280] = "can", [512] = "ppp", [513] = "cisco", [519] = "rawip", [768] = "ipip",
        [769] = "tunnel6", [772] = "loopback", [774] = "fddi", [776] = "sit", [778] = "gre", [779] = "pimreg",
        [801] = "ieee802.11", [803] = "ieee802.11/radiotap", [804] = "ieee802.15.4", [823] = "gre6", [824] = "netlink",
        [825] = "6lowpan", [826] = "vsockmon", [65534] = "none", [65535] = "void",
    };

    public static void WriteLinkFlags(Utf8JsonWriter writer, uint flags)
    {
        writer.WriteStartArray();
        RouteNames.WriteFlagNames(writer, flags, s_linkFlags);
        writer.WriteEndArray();
    }

    public static void WriteAddressFlags(Utf8JsonWriter writer, uint flags, AddressFamily family)
    {
        writer.WriteStartArray();
        RouteNames.WriteFlagNames(writer, flags, family == AddressFamily.InterNetworkV6 ? s_addressFlagsV6 : s_addressFlagsV4);
        writer.WriteEndArray();
    }

    /// <summary>IFLA_OPERSTATE lowercased as ip prints it; an unknown value as its number.</summary>
    public static string OperState(byte state) => state < s_operStates.Length ? s_operStates[state] : RouteNames.Number(state);

    /// <summary>The <c>link/…</c> name ip prints for an <c>ARPHRD_*</c> value; other values as their number.</summary>
    public static string LinkType(ushort type) =>
        s_linkTypes.TryGetValue(type, out string? name) ? name : type.ToString(CultureInfo.InvariantCulture);

    private static (uint, string)[] CreateAddressFlags(string bit0) =>
    [
        (0x1, bit0), (0x2, "nodad"), (0x4, "optimistic"), (0x8, "dadfailed"), (0x10, "home"), (0x20, "deprecated"),
        (0x40, "tentative"), (0x80, "permanent"), (0x100, "mngtmpaddr"), (0x200, "noprefixroute"), (0x400, "autojoin"),
        (0x800, "stable-privacy"),
    ];
}
