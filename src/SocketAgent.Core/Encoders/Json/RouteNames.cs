using System.Globalization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The names <c>ip route</c> prints for <c>struct rtmsg</c>'s protocol, scope, type and flags (iproute2
/// <c>lib/rt_names.c</c>, <c>/etc/iproute2/rt_protos</c> and <c>ip/iproute.c</c>); numbers without a name print
/// as decimal, as ip does. Every string is built once.
/// </summary>
internal static class RouteNames
{
    private static readonly string[] s_numbers = CreateNumbers();

    private static readonly string[] s_protocols = CreateTable(
        (0, "unspec"), (1, "redirect"), (2, "kernel"), (3, "boot"), (4, "static"), (8, "gated"), (9, "ra"), (10, "mrt"),
        (11, "zebra"), (12, "bird"), (13, "dnrouted"), (14, "xorp"), (15, "ntk"), (16, "dhcp"), (18, "keepalived"),
        (42, "babel"), (99, "openr"), (186, "bgp"), (187, "isis"), (188, "ospf"), (189, "rip"), (192, "eigrp"));

    private static readonly string[] s_scopes = CreateTable(
        (0, "global"), (200, "site"), (253, "link"), (254, "host"), (255, "nowhere"));

    private static readonly string[] s_types = CreateTable(
        (0, "none"), (1, "unicast"), (2, "local"), (3, "broadcast"), (4, "anycast"), (5, "multicast"), (6, "blackhole"),
        (7, "unreachable"), (8, "prohibit"), (9, "throw"), (10, "nat"), (11, "xresolve"));

    // RTNH_F_* (low byte, shared with next hops) then RTM_F_*, with the names ip prints for them.
    private static readonly (uint Bit, string Name)[] s_flags =
    [
        (0x1, "dead"), (0x2, "pervasive"), (0x4, "onlink"), (0x8, "offload"), (0x10, "linkdown"), (0x20, "unresolved"),
        (0x40, "trap"), (0x100, "notify"), (0x200, "cloned"), (0x400, "equalize"), (0x800, "prefix"),
        (0x1000, "lookup_table"), (0x2000, "fib_match"), (0x4000, "rt_offload"), (0x8000, "rt_trap"),
        (0x2000_0000, "rt_offload_failed"),
    ];

    public static string Protocol(byte protocol) => s_protocols[protocol];

    public static string Scope(byte scope) => s_scopes[scope];

    public static string Type(byte type) => s_types[type];

    /// <summary>Decimal text of a byte-sized number, without allocating.</summary>
    public static string Number(byte value) => s_numbers[value];

    /// <summary>The names of the set <c>RTNH_F_*</c>/<c>RTM_F_*</c> bits, lowest bit first; bits without a name
    /// are written together as one <c>0x…</c> hex string so nothing the kernel said is lost.</summary>
    public static void WriteFlags(System.Text.Json.Utf8JsonWriter writer, uint flags)
    {
        writer.WriteStartArray();
        WriteFlagNames(writer, flags, s_flags);
        writer.WriteEndArray();
    }

    internal static void WriteFlagNames(System.Text.Json.Utf8JsonWriter writer, uint flags, (uint Bit, string Name)[] names)
    {
        uint unknown = flags;
        foreach ((uint bit, string name) in names)
        {
            if ((flags & bit) != 0)
            {
                writer.WriteStringValue(name);
                unknown &= ~bit;
            }
        }
        if (unknown != 0)
        {
            Span<char> hex = stackalloc char[10];
            hex[0] = '0';
            hex[1] = 'x';
            unknown.TryFormat(hex[2..], out int written, "x", CultureInfo.InvariantCulture);
            writer.WriteStringValue(hex[..(2 + written)]);
        }
    }

    private static string[] CreateTable(params (int Value, string Name)[] names)
    {
        string[] table = (string[])s_numbers.Clone();
        foreach ((int value, string name) in names)
        {
            table[value] = name;
        }
        return table;
    }

    private static string[] CreateNumbers()
    {
        var numbers = new string[256];
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = i.ToString(CultureInfo.InvariantCulture);
        }
        return numbers;
    }
}
