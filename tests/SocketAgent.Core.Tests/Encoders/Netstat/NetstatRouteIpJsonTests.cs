using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// TEST-ONLY helper (no tests in this file): turns <c>ip -j -s -s link</c>, <c>ip -j addr</c> and
/// <c>ip -j -d route show table all</c> output into the model records the rtnetlink collector fills, so the netstat
/// -i/-r writers can be checked against real kernel state without that collector.
/// </summary>
internal static class IpJson
{
    private static readonly Dictionary<string, uint> s_linkFlags = new(StringComparer.Ordinal)
    {
        ["UP"] = 0x1, ["BROADCAST"] = 0x2, ["DEBUG"] = 0x4, ["LOOPBACK"] = 0x8, ["POINTOPOINT"] = 0x10,
        ["NOTRAILERS"] = 0x20, ["NOARP"] = 0x80, ["PROMISC"] = 0x100, ["ALLMULTI"] = 0x200, ["MASTER"] = 0x400,
        ["SLAVE"] = 0x800, ["MULTICAST"] = 0x1000, ["DYNAMIC"] = 0x8000, ["LOWER_UP"] = 0x10000, ["DORMANT"] = 0x20000,
    };

    private static readonly Dictionary<string, byte> s_routeTypes = new(StringComparer.Ordinal)
    {
        ["unicast"] = 1, ["local"] = 2, ["broadcast"] = 3, ["anycast"] = 4, ["multicast"] = 5, ["blackhole"] = 6,
        ["unreachable"] = 7, ["prohibit"] = 8, ["throw"] = 9, ["nat"] = 10,
    };

    public static List<InterfaceRecord> Interfaces(string linkJson, string addrJson)
    {
        var addresses = new Dictionary<int, List<InterfaceAddress>>();
        using (JsonDocument addr = JsonDocument.Parse(addrJson))
        {
            foreach (JsonElement link in addr.RootElement.EnumerateArray())
            {
                var list = new List<InterfaceAddress>();
                foreach (JsonElement info in link.GetProperty("addr_info").EnumerateArray())
                {
                    list.Add(new InterfaceAddress(IPAddress.Parse(info.GetProperty("local").GetString()!), info.GetProperty("prefixlen").GetByte())
                    {
                        Label = info.TryGetProperty("label", out JsonElement label) ? label.GetString() : null,
                    });
                }
                addresses[link.GetProperty("ifindex").GetInt32()] = list;
            }
        }

        var result = new List<InterfaceRecord>();
        using JsonDocument doc = JsonDocument.Parse(linkJson);
        foreach (JsonElement link in doc.RootElement.EnumerateArray())
        {
            uint flags = 0;
            bool noCarrier = false;
            foreach (JsonElement flag in link.GetProperty("flags").EnumerateArray())
            {
                string name = flag.GetString()!;
                noCarrier |= name == "NO-CARRIER";
                flags |= s_linkFlags.GetValueOrDefault(name);
            }
            // ip prints no RUNNING; it prints NO-CARRIER for an UP link that is not running.
            if ((flags & 0x1) != 0 && !noCarrier)
            {
                flags |= 0x40;
            }
            JsonElement rx = link.GetProperty("stats64").GetProperty("rx");
            JsonElement tx = link.GetProperty("stats64").GetProperty("tx");
            int index = link.GetProperty("ifindex").GetInt32();
            result.Add(new InterfaceRecord
            {
                Index = index,
                Name = link.GetProperty("ifname").GetString()!,
                Flags = flags,
                Mtu = link.GetProperty("mtu").GetUInt32(),
                Counters = new InterfaceCounters
                {
                    RxPackets = rx.GetProperty("packets").GetUInt64(),
                    RxBytes = rx.GetProperty("bytes").GetUInt64(),
                    RxErrors = rx.GetProperty("errors").GetUInt64(),
                    RxDropped = rx.GetProperty("dropped").GetUInt64(),
                    RxOverErrors = rx.GetProperty("over_errors").GetUInt64(),
                    RxFifoErrors = rx.GetProperty("fifo_errors").GetUInt64(),
                    RxMissedErrors = rx.GetProperty("missed_errors").GetUInt64(),
                    TxPackets = tx.GetProperty("packets").GetUInt64(),
                    TxBytes = tx.GetProperty("bytes").GetUInt64(),
                    TxErrors = tx.GetProperty("errors").GetUInt64(),
                    TxDropped = tx.GetProperty("dropped").GetUInt64(),
                    TxFifoErrors = tx.GetProperty("fifo_errors").GetUInt64(),
                    Collisions = tx.GetProperty("collisions").GetUInt64(),
                },
                Addresses = addresses.GetValueOrDefault(index) ?? [],
            });
        }
        return result;
    }

    public static List<RouteRecord> Routes(string routeJson, AddressFamily family, IReadOnlyList<InterfaceRecord> links)
    {
        Dictionary<string, int> indexes = links.ToDictionary(l => l.Name, l => l.Index, StringComparer.Ordinal);
        var result = new List<RouteRecord>();
        using JsonDocument doc = JsonDocument.Parse(routeJson);
        foreach (JsonElement r in doc.RootElement.EnumerateArray())
        {
            string dst = r.GetProperty("dst").GetString()!;
            string? via = r.TryGetProperty("gateway", out JsonElement gw) ? gw.GetString() : null;
            // "ip route show table all" without -4/-6 lists both families; keep the one asked for.
            string familyHint = dst != "default" ? dst : via ?? (family == AddressFamily.InterNetwork ? "0.0.0.0" : "::");
            if (familyHint.Contains(':') != (family == AddressFamily.InterNetworkV6))
            {
                continue;
            }
            (IPAddress destination, byte prefix) = ParsePrefix(dst, family);
            string? dev = r.TryGetProperty("dev", out JsonElement d) ? d.GetString() : null;
            uint advmss = 0, window = 0, rtt = 0, mtu = 0;
            if (r.TryGetProperty("metrics", out JsonElement metrics))
            {
                foreach (JsonElement m in metrics.EnumerateArray())
                {
                    foreach (JsonProperty p in m.EnumerateObject())
                    {
                        switch (p.Name)
                        {
                            case "advmss": advmss = p.Value.GetUInt32(); break;
                            case "window": window = p.Value.GetUInt32(); break;
                            case "rtt": rtt = p.Value.GetUInt32() * 8; break; // ip prints ms; RTAX_RTT is ms << 3
                            case "mtu": mtu = p.Value.GetUInt32(); break;
                        }
                    }
                }
            }
            var hops = new List<RouteNextHop>();
            if (r.TryGetProperty("nexthops", out JsonElement nexthops))
            {
                foreach (JsonElement h in nexthops.EnumerateArray())
                {
                    string? hopDev = h.TryGetProperty("dev", out JsonElement hd) ? hd.GetString() : null;
                    hops.Add(new RouteNextHop(
                        h.TryGetProperty("gateway", out JsonElement hg) ? IPAddress.Parse(hg.GetString()!) : null,
                        hopDev is null ? 0 : indexes[hopDev], 1, 0) { InterfaceName = hopDev });
                }
            }
            string table = r.TryGetProperty("table", out JsonElement t) ? t.GetString()! : "main";
            result.Add(new RouteRecord
            {
                Family = family,
                Destination = destination,
                DestinationPrefixLength = prefix,
                Gateway = r.TryGetProperty("gateway", out JsonElement g) ? IPAddress.Parse(g.GetString()!) : null,
                OutputInterfaceIndex = dev is null ? 0 : indexes[dev],
                OutputInterfaceName = dev,
                Metric = r.TryGetProperty("metric", out JsonElement metric) ? metric.GetUInt32() : 0,
                Table = table switch { "main" => 254, "local" => 255, "default" => 253, _ => uint.Parse(table) },
                Type = s_routeTypes[r.TryGetProperty("type", out JsonElement type) ? type.GetString()! : "unicast"],
                AdvertisedMss = advmss,
                Window = window,
                InitialRtt = rtt,
                Mtu = mtu,
                NextHops = hops,
            });
        }
        return result;
    }

    private static (IPAddress, byte) ParsePrefix(string text, AddressFamily family)
    {
        if (text == "default")
        {
            return (family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        }
        int slash = text.IndexOf('/');
        IPAddress address = IPAddress.Parse(slash < 0 ? text : text[..slash]);
        byte full = (byte)(family == AddressFamily.InterNetwork ? 32 : 128);
        return (address, slash < 0 ? full : byte.Parse(text[(slash + 1)..]));
    }
}
