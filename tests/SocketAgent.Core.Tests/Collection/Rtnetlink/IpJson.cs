using System.Net;
using System.Text.Json;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>
/// Canonical one-line forms of links, addresses and routes, made both from <c>ip -N -d -j</c> JSON and from our
/// records, so the two can be compared as sets (the numeric -N output keeps types, tables, protocols, scopes as numbers).
/// </summary>
internal static class IpJson
{
    private static readonly (uint Bit, string Name)[] s_flagNames =
    [
        (0x1, "UP"), (0x2, "BROADCAST"), (0x8, "LOOPBACK"), (0x10, "POINTOPOINT"), (0x80, "NOARP"),
        (0x100, "PROMISC"), (0x200, "ALLMULTI"), (0x1000, "MULTICAST"), (0x10000, "LOWER_UP"),
    ];

    private static readonly string[] s_operStates = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];

    public static string LinkKey(JsonElement link, Func<string, int> indexOf)
    {
        int parent = link.TryGetProperty("link_index", out JsonElement li) ? li.GetInt32()
            : link.TryGetProperty("link", out JsonElement ln) && ln.ValueKind == JsonValueKind.String ? indexOf(ln.GetString()!) : 0;
        int master = link.TryGetProperty("master", out JsonElement m) ? indexOf(m.GetString()!) : 0;
        var flags = link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!).Where(f => s_flagNames.Any(n => n.Name == f)).Order();
        string kind = link.TryGetProperty("linkinfo", out JsonElement info) && info.TryGetProperty("info_kind", out JsonElement k) ? k.GetString()! : "-";
        return $"{link.GetProperty("ifindex").GetInt32()} {link.GetProperty("ifname").GetString()} mtu={link.GetProperty("mtu").GetUInt32()} " +
            $"addr={Str(link, "address")} qdisc={Str(link, "qdisc")} state={Str(link, "operstate")} parent={parent} master={master} kind={kind} " +
            $"flags={string.Join(',', flags)}";
    }

    public static string LinkKey(InterfaceRecord link)
    {
        var flags = s_flagNames.Where(n => (link.Flags & n.Bit) != 0).Select(n => n.Name).Order();
        string address = link.HardwareAddress.Length == 0 ? "-" : string.Join(':', link.HardwareAddress.Select(b => b.ToString("x2")));
        return $"{link.Index} {link.Name} mtu={link.Mtu} addr={address} qdisc={link.Qdisc ?? "-"} " +
            $"state={(link.OperState < s_operStates.Length ? s_operStates[link.OperState] : link.OperState.ToString())} " +
            $"parent={link.ParentIndex} master={link.MasterIndex} kind={link.Kind ?? "-"} flags={string.Join(',', flags)}";
    }

    public static IEnumerable<string> AddressKeys(JsonElement link) =>
        link.GetProperty("addr_info").EnumerateArray().Select(a =>
            $"{link.GetProperty("ifindex").GetInt32()} {a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()} " +
            $"peer={Str(a, "address")} brd={Str(a, "broadcast")} label={Str(a, "label")} scope={a.GetProperty("scope").GetString()} " +
            $"secondary={a.TryGetProperty("secondary", out _)}");

    public static IEnumerable<string> AddressKeys(InterfaceRecord link) =>
        link.Addresses.Select(a =>
            $"{link.Index} {a.Address}/{a.PrefixLength} peer={a.Peer?.ToString() ?? "-"} brd={a.Broadcast?.ToString() ?? "-"} " +
            $"label={a.Label ?? "-"} scope={a.Scope} secondary={(a.Flags & 0x1) != 0}");

    public static string RouteKey(JsonElement r)
    {
        string gateway = r.TryGetProperty("gateway", out JsonElement g) ? g.GetString()!
            : r.TryGetProperty("via", out JsonElement via) ? via.GetProperty("host").GetString()! : "-";
        string hops = r.TryGetProperty("nexthops", out JsonElement nh)
            ? string.Join(';', nh.EnumerateArray().Select(h => $"{Str(h, "gateway")}@{Str(h, "dev")}*{h.GetProperty("weight").GetInt32()}"))
            : "-";
        uint metric = r.TryGetProperty("metric", out JsonElement me) ? me.GetUInt32() : 0;
        return $"type={r.GetProperty("type").GetString()} dst={r.GetProperty("dst").GetString()} from={Str(r, "from")} gw={gateway} " +
            $"dev={Str(r, "dev")} table={r.GetProperty("table").GetString()} proto={r.GetProperty("protocol").GetString()} " +
            $"scope={r.GetProperty("scope").GetString()} metric={metric} src={Str(r, "prefsrc")} hops={hops}";
    }

    public static string RouteKey(RouteRecord r)
    {
        string hops = r.NextHops.Count == 0 ? "-"
            : string.Join(';', r.NextHops.Select(h => $"{h.Gateway?.ToString() ?? "-"}@{h.InterfaceName ?? "-"}*{h.Weight}"));
        return $"type={r.Type} dst={Prefix(r.Destination, r.DestinationPrefixLength, defaultName: "default")} " +
            $"from={(r.Source is null ? "-" : Prefix(r.Source, r.SourcePrefixLength, defaultName: "-"))} gw={r.Gateway?.ToString() ?? "-"} " +
            $"dev={r.OutputInterfaceName ?? "-"} table={r.Table} proto={r.Protocol} scope={r.Scope} metric={r.Metric} " +
            $"src={r.PreferredSource?.ToString() ?? "-"} hops={hops}";
    }

    /// <summary>As iproute2 prints a prefix: "default" for length 0, the bare address for a host prefix.</summary>
    private static string Prefix(IPAddress address, byte length, string defaultName)
    {
        int full = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        return length == 0 ? defaultName : length == full ? address.ToString() : $"{address}/{length}";
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";

    /// <summary>Runs <c>ip</c> and parses its JSON answer.</summary>
    public static JsonElement Run(params string[] arguments)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ip {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    public static void AssertSameSets(IEnumerable<string> expected, IEnumerable<string> actual, string what)
    {
        var e = expected.Order(StringComparer.Ordinal).ToList();
        var a = actual.Order(StringComparer.Ordinal).ToList();
        var missing = e.Except(a).ToList();
        var extra = a.Except(e).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && e.Count == a.Count,
            $"{what} differ.\nonly in ip:\n  {string.Join("\n  ", missing)}\nonly in ours:\n  {string.Join("\n  ", extra)}");
    }

    public static Func<string, int> IndexLookup(NetworkState state) =>
        name => state.Interfaces.FirstOrDefault(i => i.Name == name)?.Index ?? -1;
}
