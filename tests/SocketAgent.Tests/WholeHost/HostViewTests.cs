using System.Text.Json;
using System.Text.RegularExpressions;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// The agent's view of the host's own namespace agrees with the tools people trust: <c>ip -j route</c>,
/// <c>ip -j addr</c> and <c>netstat -s</c> (counters that move between two reads compared with a tolerance).
/// </summary>
public sealed partial class HostViewTests
{
    private static AgentLines Once(params string[] args)
    {
        AgentProcess.Result result = AgentProcess.Run(["--once", .. args]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return new AgentLines(result.Lines);
    }

    private static string RouteKey(string destination, string? gateway, string? dev, string table, long metric) =>
        $"{destination} via {gateway ?? "-"} dev {dev ?? "-"} table {table} metric {metric}";

    [Fact]
    public void Routes_equal_ip_route_show_table_all()
    {
        static IEnumerable<string> IpRoutes(string family)
        {
            using JsonDocument doc = JsonDocument.Parse(TestNetns.Run("ip", $"-j {family} route show table all"));
            foreach (JsonElement r in doc.RootElement.EnumerateArray())
            {
                string type = r.TryGetProperty("type", out JsonElement t) ? t.GetString()! : "unicast";
                if (type is "multicast" || r.TryGetProperty("nexthops", out _))
                {
                    continue; // ip prints multicast/multipath differently; covered by the collector's own tests
                }
                string dst = r.GetProperty("dst").GetString()!;
                bool v6 = family == "-6";
                if (dst == "default") dst = v6 ? "::/0" : "0.0.0.0/0";
                else if (!dst.Contains('/')) dst += v6 ? "/128" : "/32";
                string table = r.TryGetProperty("table", out JsonElement tb) ? tb.ToString() : "main";
                yield return RouteKey(dst, r.TryGetProperty("gateway", out JsonElement g) ? g.GetString() : null,
                    r.TryGetProperty("dev", out JsonElement d) ? d.GetString() : null, table,
                    r.TryGetProperty("metric", out JsonElement m) ? m.GetInt64() : 0);
            }
        }

        string[] expected = IpRoutes("-4").Concat(IpRoutes("-6")).Order(StringComparer.Ordinal).ToArray();
        string[] actual = Once("-r").Documents
            .Where(static d => Get(d, "route.nexthops") is null && Str(d, "route.type") != "multicast")
            .Select(static d => RouteKey(Str(d, "route.destination")!, Str(d, "route.gateway"), Str(d, "route.interface"),
                Str(d, "route.table")!, Num(d, "route.metric") ?? 0))
            .Order(StringComparer.Ordinal).ToArray();

        Assert.NotEmpty(actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Interfaces_and_addresses_equal_ip_addr()
    {
        using JsonDocument ip = JsonDocument.Parse(TestNetns.Run("ip", "-j addr show"));
        var expected = ip.RootElement.EnumerateArray().Select(static link => string.Join(' ',
            link.GetProperty("ifindex").GetInt32(), link.GetProperty("ifname").GetString(), link.GetProperty("mtu").GetInt32(),
            link.TryGetProperty("address", out JsonElement mac) ? mac.GetString() : "-",
            string.Join(',', link.GetProperty("addr_info").EnumerateArray()
                .Select(static a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").Order(StringComparer.Ordinal))))
            .Order(StringComparer.Ordinal).ToArray();

        string[] actual = Once("-i").Documents.Select(static d => string.Join(' ',
            Num(d, "interface.index"), Str(d, "interface.name"), Num(d, "interface.mtu"), Str(d, "interface.mac") ?? "-",
            string.Join(',', Get(d, "interface.addresses")!.Value.EnumerateArray().Select(static a => a.GetString()).Order(StringComparer.Ordinal))))
            .Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(expected, actual);
    }

    [GeneratedRegex(@"^\s+(\d+) (active connection openings|passive connection openings|segments received|segments sent out)$", RegexOptions.Multiline)]
    private static partial Regex NetstatTcpLine();

    [Fact]
    public void Tcp_counters_agree_with_netstat_s_within_what_moves_between_reads()
    {
        JsonElement before = Assert.Single(Once("-s").Documents, static d => Str(d, "netstat.group") == "Tcp");
        string netstat = TestNetns.Run("netstat", "-st");
        JsonElement after = Assert.Single(Once("-s").Documents, static d => Str(d, "netstat.group") == "Tcp");

        var theirs = NetstatTcpLine().Matches(netstat).ToDictionary(static m => m.Groups[2].Value, static m => long.Parse(m.Groups[1].Value));
        (string Text, string Counter)[] pairs =
        [
            ("active connection openings", "ActiveOpens"), ("passive connection openings", "PassiveOpens"),
            ("segments received", "InSegs"), ("segments sent out", "OutSegs"),
        ];
        foreach ((string text, string counter) in pairs)
        {
            long low = Num(before, "netstat.counters." + counter)!.Value, high = Num(after, "netstat.counters." + counter)!.Value;
            Assert.InRange(theirs[text], low, high);
        }
    }
}
