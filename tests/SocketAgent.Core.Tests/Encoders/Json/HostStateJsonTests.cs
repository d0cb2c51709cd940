using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;
using static SocketAgent.Tests.Encoders.Json.HostStateJsonLines;

namespace SocketAgent.Tests.Encoders.Json;

public class HostStateJsonTests
{
    [Theory]
    [InlineData("routes.jsonl")]
    [InlineData("interfaces.jsonl")]
    [InlineData("netstat.jsonl")]
    public void Output_MatchesGoldenFile(string fixture)
    {
        byte[] actual = fixture switch
        {
            "routes.jsonl" => WriteBytes(w => w.WriteRoutes(HostStateRecords.AllRoutes, HostStateRecords.NamedNamespace, TestRecords.Host, TestRecords.Timestamp)),
            "interfaces.jsonl" => WriteBytes(w => w.WriteInterfaces(HostStateRecords.AllInterfaces, HostStateRecords.HostNamespace, TestRecords.Host, TestRecords.Timestamp)),
            "netstat.jsonl" => WriteBytes(w => w.WriteStatistics(HostStateRecords.AllStatistics, null, TestRecords.Host, TestRecords.Timestamp)),
            _ => throw new ArgumentOutOfRangeException(nameof(fixture)),
        };
        SchemaValidator.AssertValidLines(actual);

        if (Environment.GetEnvironmentVariable("SOCKET_AGENT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(SourceFixtures(), fixture), actual);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "json", fixture)), Encoding.UTF8.GetString(actual));
    }

    [Fact]
    public void Route_CommonFields()
    {
        JsonElement line = Route(HostStateRecords.DefaultV4);

        Assert.Equal("2026-11-25T13:00:00.123456700Z", line.Str("@timestamp"));
        Assert.Equal("route", line.Str("event.dataset"));
        Assert.Equal("snapshot", line.Str("event.action"));
        Assert.Equal("state", line.Str("event.kind"));
        Assert.Equal(["network"], line.Strings("event.category"));
        Assert.Equal(["info"], line.Strings("event.type"));
        Assert.Equal("host-1", line.Str("host.name"));
        Assert.Equal("0123456789abcdef0123456789abcdef", line.Str("host.id"));
        Assert.Equal("ipv4", line.Str("network.type"));
        Assert.False(line.Has("network.transport"));
        Assert.False(line.Has("netns"));
        Assert.False(line.Has("container"));
    }

    [Fact]
    public void Route_DefaultV4()
    {
        JsonElement route = Route(HostStateRecords.DefaultV4).Get("route");

        Assert.Equal("0.0.0.0/0", route.Str("destination"));
        Assert.Equal("192.0.2.1", route.Str("gateway"));
        Assert.Equal("eth0", route.Str("interface"));
        Assert.Equal(4, route.Get("interface_index").GetInt32());
        Assert.Equal("main", route.Str("table"));
        Assert.Equal(100u, route.Get("metric").GetUInt32());
        Assert.Equal("192.0.2.2", route.Str("preferred_source"));
        Assert.Equal("dhcp", route.Str("protocol"));
        Assert.Equal("global", route.Str("scope"));
        Assert.Equal("unicast", route.Str("type"));
        foreach (string absent in new[] { "source", "flags", "tos", "mtu", "advmss", "window", "rtt", "nexthops" })
        {
            Assert.False(route.Has(absent), absent);
        }
    }

    [Fact]
    public void Route_Connected_HasLinkScopeAndNoGateway()
    {
        JsonElement route = Route(HostStateRecords.ConnectedV4).Get("route");

        Assert.Equal("192.0.2.0/24", route.Str("destination"));
        Assert.False(route.Has("gateway"));
        Assert.Equal("kernel", route.Str("protocol"));
        Assert.Equal("link", route.Str("scope"));
        Assert.Equal(0u, route.Get("metric").GetUInt32());
    }

    [Fact]
    public void Route_LocalV6Loopback_InTableLocal()
    {
        JsonElement line = Route(HostStateRecords.LocalV6Loopback);

        Assert.Equal("ipv6", line.Str("network.type"));
        Assert.Equal("::1/128", line.Str("route.destination"));
        Assert.Equal("local", line.Str("route.table"));
        Assert.Equal("local", line.Str("route.type"));
        Assert.Equal("lo", line.Str("route.interface"));
    }

    [Fact]
    public void Route_Multipath_ListsNextHops()
    {
        JsonElement route = Route(HostStateRecords.Multipath).Get("route");

        Assert.False(route.Has("interface"));
        Assert.False(route.Has("interface_index"));
        Assert.False(route.Has("gateway"));
        JsonElement[] hops = route.Get("nexthops").EnumerateArray().ToArray();
        Assert.Equal(2, hops.Length);
        Assert.Equal("10.0.0.1", hops[0].Str("gateway"));
        Assert.Equal("eth0", hops[0].Str("interface"));
        Assert.Equal(4, hops[0].Get("interface_index").GetInt32());
        Assert.Equal(1, hops[0].Get("weight").GetInt32());
        Assert.False(hops[0].Has("flags"));
        Assert.Equal("eth1", hops[1].Str("interface"));
        Assert.Equal(3, hops[1].Get("weight").GetInt32());
        Assert.Equal(["onlink"], hops[1].Strings("flags"));
    }

    [Fact]
    public void Route_Blackhole_HasNoInterface()
    {
        JsonElement route = Route(HostStateRecords.Blackhole).Get("route");

        Assert.Equal("blackhole", route.Str("type"));
        Assert.Equal("static", route.Str("protocol"));
        Assert.False(route.Has("interface"));
        Assert.False(route.Has("interface_index"));
        Assert.False(route.Has("gateway"));
    }

    [Fact]
    public void Route_PolicyTable_ByNumberOrByName()
    {
        Assert.Equal("100", Route(HostStateRecords.PolicyTable100).Str("route.table"));

        RouteTableNames names = RouteTableNames.Parse("# comment\n100\tvpn\n");
        JsonElement route = Route(HostStateRecords.PolicyTable100, tables: names).Get("route");

        Assert.Equal("vpn", route.Str("table"));
        Assert.Equal(["onlink", "linkdown"], route.Strings("flags"));
        Assert.Equal(1420u, route.Get("mtu").GetUInt32());
        Assert.Equal(1380u, route.Get("advmss").GetUInt32());
        Assert.Equal(65535u, route.Get("window").GetUInt32());
        Assert.Equal(120u, route.Get("rtt").GetUInt32());
        Assert.Equal(16, route.Get("tos").GetInt32());
    }

    [Fact]
    public void Route_SourceSpecificV6()
    {
        JsonElement route = Route(HostStateRecords.SourceSpecificV6).Get("route");

        Assert.Equal("2001:db8:dead::/48", route.Str("destination"));
        Assert.Equal("2001:db8::/32", route.Str("source"));
        Assert.Equal("unreachable", route.Str("type"));
        Assert.Equal("boot", route.Str("protocol"));
        Assert.Equal(1024u, route.Get("metric").GetUInt32());
    }

    [Theory]
    [InlineData((byte)0, "unspec")]
    [InlineData((byte)9, "ra")]
    [InlineData((byte)12, "bird")]
    [InlineData((byte)186, "bgp")]
    [InlineData((byte)77, "77")]
    public void Route_ProtocolNames(byte protocol, string expected)
    {
        RouteRecord route = new() { Family = AddressFamily.InterNetwork, Destination = IPAddress.Any, Protocol = protocol, Table = 254, Type = 1 };

        Assert.Equal(expected, Route(route).Str("route.protocol"));
    }

    [Theory]
    [InlineData((byte)200, (byte)3, 0x200u | 0x40000u, "site", "broadcast", new[] { "cloned", "0x40000" })]
    [InlineData((byte)254, (byte)10, 0x1u, "host", "nat", new[] { "dead" })]
    [InlineData((byte)255, (byte)9, 0x2000_0000u, "nowhere", "throw", new[] { "rt_offload_failed" })]
    [InlineData((byte)17, (byte)99, 0u, "17", "99", null)]
    public void Route_ScopeTypeAndFlagNames(byte scope, byte type, uint flags, string scopeName, string typeName, string[]? flagNames)
    {
        RouteRecord route = new() { Family = AddressFamily.InterNetworkV6, Destination = IPAddress.IPv6Any, Scope = scope, Type = type, Flags = flags, Table = 0 };
        JsonElement json = Route(route).Get("route");

        Assert.Equal(scopeName, json.Str("scope"));
        Assert.Equal(typeName, json.Str("type"));
        Assert.Equal("unspec", json.Str("table"));
        Assert.Equal("::/0", json.Str("destination"));
        if (flagNames is null)
        {
            Assert.False(json.Has("flags"));
        }
        else
        {
            Assert.Equal(flagNames, json.Strings("flags"));
        }
    }

    [Fact]
    public void Route_ScopedAndMappedAddresses_KeepIpsText()
    {
        RouteRecord route = new()
        {
            Family = AddressFamily.InterNetworkV6, Destination = IPAddress.Parse("::ffff:10.0.0.0"), DestinationPrefixLength = 104,
            Gateway = IPAddress.Parse("fe80::1%4"), Table = 254, Type = 1,
        };
        JsonElement json = Route(route).Get("route");

        // Not collapsed to 10.0.0.0/104: in an IPv6 route the mapped range is an IPv6 prefix.
        Assert.Equal("::ffff:10.0.0.0/104", json.Str("destination"));
        Assert.Equal("fe80::1", json.Str("gateway"));
    }

    [Fact]
    public void Interface_Loopback()
    {
        JsonElement line = Interface(HostStateRecords.Loopback);
        JsonElement link = line.Get("interface");

        Assert.Equal("interface", line.Str("event.dataset"));
        Assert.False(line.Has("network"));
        Assert.Equal("lo", link.Str("name"));
        Assert.Equal(1, link.Get("index").GetInt32());
        Assert.Equal(65536u, link.Get("mtu").GetUInt32());
        Assert.Equal("unknown", link.Str("state"));
        Assert.Equal(["LOOPBACK", "UP", "RUNNING", "LOWER_UP"], link.Strings("flags"));
        Assert.Equal("00:00:00:00:00:00", link.Str("mac"));
        Assert.Equal("loopback", link.Str("type"));
        Assert.False(link.Has("kind"));
        Assert.Equal(["127.0.0.1/8", "::1/128"], link.Strings("addresses"));
        JsonElement[] details = link.Get("address_details").EnumerateArray().ToArray();
        Assert.Equal("host", details[0].Str("scope"));
        Assert.Equal("lo", details[0].Str("label"));
        Assert.Equal(["permanent"], details[1].Strings("flags"));
        Assert.Equal(678974ul, link.U64("rx.packets"));
        Assert.Equal(38370392ul, link.U64("tx.bytes"));
        Assert.Equal(0ul, link.U64("rx.nohandler"));
        Assert.Equal(0ul, link.U64("collisions"));
    }

    [Fact]
    public void Interface_VethDown_StateMacKindOrderAndEveryCounter()
    {
        JsonElement link = Interface(HostStateRecords.VethDown).Get("interface");

        Assert.Equal("down", link.Str("state"));
        Assert.Equal(["BROADCAST", "MULTICAST"], link.Strings("flags"));
        Assert.Equal("02:42:ac:11:00:0f", link.Str("mac"));
        Assert.Equal("ether", link.Str("type"));
        Assert.Equal("veth", link.Str("kind"));
        Assert.Equal("noqueue", link.Str("qdisc"));
        Assert.Equal(6, link.Get("parent_index").GetInt32());
        Assert.Equal(3, link.Get("master_index").GetInt32());
        // IPv4 first even though the source listed the IPv6 address first; no %scope in the CIDR.
        Assert.Equal(["10.1.2.3/24", "10.1.2.4/24", "fe80::42:acff:fe11:f/64"], link.Strings("addresses"));
        JsonElement[] details = link.Get("address_details").EnumerateArray().ToArray();
        Assert.Equal("10.1.2.3/24", details[0].Str("cidr"));
        Assert.Equal("global", details[0].Str("scope"));
        Assert.Equal("10.1.2.255", details[0].Str("broadcast"));
        Assert.False(details[0].Has("flags"));
        Assert.Equal("veth1a2b3c:1", details[1].Str("label"));
        Assert.Equal(["secondary"], details[1].Strings("flags"));
        Assert.Equal("link", details[2].Str("scope"));
        Assert.Equal(["tentative", "permanent"], details[2].Strings("flags"));

        // The fixture's rx packets and bytes are above 2^63-1: a search cluster's long cannot hold them, so they are left out.
        string[] rx = ["errors", "dropped", "fifo_errors", "over_errors", "crc_errors", "frame_errors", "missed_errors", "length_errors", "compressed", "nohandler"];
        ulong[] rxValues = [3, 5, 13, 10, 11, 12, 14, 9, 20, 22];
        Assert.Equal(rx, link.Get("rx").EnumerateObject().Select(p => p.Name));
        Assert.Equal(rxValues, link.Get("rx").EnumerateObject().Select(p => p.Value.GetUInt64()));
        string[] tx = ["packets", "bytes", "errors", "dropped", "fifo_errors", "aborted_errors", "carrier_errors", "heartbeat_errors", "window_errors", "compressed"];
        ulong[] txValues = [1, 2, 4, 6, 17, 15, 16, 18, 19, 21];
        Assert.Equal(tx, link.Get("tx").EnumerateObject().Select(p => p.Name));
        Assert.Equal(txValues, link.Get("tx").EnumerateObject().Select(p => p.Value.GetUInt64()));
        Assert.Equal(7ul, link.U64("multicast"));
        Assert.Equal(8ul, link.U64("collisions"));
    }

    [Fact]
    public void Interface_Tun_HasNoMacAndAPeer()
    {
        JsonElement link = Interface(HostStateRecords.TunPointToPoint).Get("interface");

        Assert.False(link.Has("mac"));
        Assert.Equal("none", link.Str("type"));
        Assert.Equal(["POINTOPOINT", "MULTICAST", "NOARP", "UP", "RUNNING", "LOWER_UP"], link.Strings("flags"));
        JsonElement address = link.Get("address_details")[0];
        Assert.Equal("10.8.0.1/32", address.Str("cidr"));
        Assert.Equal("10.8.0.2/32", address.Str("peer"));
    }

    [Theory]
    [InlineData((byte)1, "notpresent")]
    [InlineData((byte)3, "lowerlayerdown")]
    [InlineData((byte)4, "testing")]
    [InlineData((byte)5, "dormant")]
    [InlineData((byte)6, "up")]
    [InlineData((byte)7, "7")]
    public void Interface_OperStates(byte state, string expected)
    {
        var link = new InterfaceRecord { Index = 2, Name = "x", OperState = state, LinkType = 9999, Flags = 0x8000_0000 };
        JsonElement json = Interface(link).Get("interface");

        Assert.Equal(expected, json.Str("state"));
        Assert.Equal("9999", json.Str("type"));
        Assert.Equal(["0x80000000"], json.Strings("flags"));
        Assert.Empty(json.Get("addresses").EnumerateArray()); // always present, empty here
        Assert.False(json.Has("address_details"));
    }

    [Fact]
    public void Netstat_CountersAreNumbersInFileOrder()
    {
        JsonElement line = Statistic(HostStateRecords.Tcp);

        Assert.Equal("netstat", line.Str("event.dataset"));
        Assert.Equal("Tcp", line.Str("netstat.group"));
        Assert.Equal("snmp", line.Str("netstat.source"));
        JsonElement counters = line.Get("netstat.counters");
        Assert.Equal(-1, counters.GetProperty("MaxConn").GetInt64());
        Assert.Equal(12, counters.GetProperty("ActiveOpens").GetInt64());
        Assert.Equal(HostStateRecords.Tcp.Counters.Select(c => c.Key), counters.EnumerateObject().Select(p => p.Name));
        Assert.Equal(HostStateRecords.Tcp.Counters.Select(c => c.Value), counters.EnumerateObject().Select(p => p.Value.GetInt64()));
    }

    [Fact]
    public void Netstat_NewKernelColumn_JustAppears()
    {
        JsonElement counters = Statistic(HostStateRecords.Ip).Get("netstat.counters");

        Assert.Equal(700098, counters.GetProperty("OutTransmits").GetInt64());
        Assert.Equal(20, counters.EnumerateObject().Count());
    }

    [Fact]
    public void Netstat_ExtremeValues_AndDamagedNames()
    {
        var statistics = new ProtocolStatistics
        {
            Group = "TcpExt",
            SourceFile = "netstat",
            Counters =
            [
                new("Min", long.MinValue), new("Max", long.MaxValue), new("", 1), new("Bad Name", 2), new("Ctl\u0001", 3),
                new("Max", 4), new("Under_score9", 5),
            ],
        };
        JsonElement counters = Statistic(statistics).Get("netstat.counters");

        Assert.Equal(["Min", "Max", "Under_score9"], counters.EnumerateObject().Select(p => p.Name));
        Assert.Equal(long.MinValue, counters.GetProperty("Min").GetInt64());
        Assert.Equal(long.MaxValue, counters.GetProperty("Max").GetInt64());
    }

    [Fact]
    public void Netstat_EmptyGroup_WritesEmptyCounters()
    {
        JsonElement line = Statistic(new ProtocolStatistics { Group = "UdpLite", SourceFile = "snmp", Counters = [] });

        Assert.Empty(line.Get("netstat.counters").EnumerateObject());
    }

    [Fact]
    public void Netns_OnEveryDataset_WithNameAndContainer()
    {
        NetworkNamespace ns = HostStateRecords.NamedNamespace;
        JsonElement[] lines =
        [
            Route(HostStateRecords.DefaultV4, ns),
            Interface(HostStateRecords.Loopback, ns),
            Statistic(HostStateRecords.Tcp, ns),
            Parse(SchemaValidator.AssertValidLines(WriteBytes(w => w.WriteSnapshot(TestRecords.Snapshot([TestRecords.UdpUnconnectedV4]), ns)))[0]),
        ];

        foreach (JsonElement line in lines)
        {
            Assert.Equal(4026532301ul, line.U64("netns.inode"));
            Assert.Equal("blue", line.Str("netns.name"));
            Assert.Equal(ns.ContainerId, line.Str("container.id"));
        }
    }

    [Fact]
    public void Netns_WithoutNameOrContainer_HasOnlyTheInode()
    {
        NetworkNamespace ns = HostStateRecords.HostNamespace;
        JsonElement line = Interface(HostStateRecords.Loopback, ns);

        Assert.Equal(4026531840ul, line.U64("netns.inode"));
        Assert.False(line.Has("netns.name"));
        Assert.False(line.Has("network.type"));
        Assert.False(line.Has("container"));
        Assert.Equal(["inode"], line.Get("netns").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Netns_EmptyNameAndContainer_AreLeftOut()
    {
        var ns = new NetworkNamespace { Inode = 7, Name = "", OwnerCgroup = new CgroupIdentity { ContainerId = "" } };
        JsonElement line = Statistic(HostStateRecords.Ip6, ns);

        Assert.Equal(7ul, line.U64("netns.inode"));
        Assert.False(line.Has("netns.name"));
        Assert.False(line.Has("container"));
    }

    [Fact]
    public void Socket_HolderContainerWinsOverNamespaceContainer()
    {
        NetworkNamespace ns = HostStateRecords.NamedNamespace;
        string[] lines = SchemaValidator.AssertValidLines(WriteBytes(w =>
            w.WriteSnapshot(TestRecords.Snapshot([TestRecords.TcpEstablishedV6, TestRecords.TcpListenerV4, TestRecords.TcpTimeWait]), ns, "snapshot")));

        // curl runs in its own container; sshd has none (the namespace's applies); TIME_WAIT has no holder at all.
        Assert.Equal(TestRecords.Curl.ContainerId, Parse(lines[0]).Str("container.id"));
        Assert.Equal(ns.ContainerId, Parse(lines[1]).Str("container.id"));
        Assert.Equal(ns.ContainerId, Parse(lines[2]).Str("container.id"));
        Assert.All(lines, line => Assert.Equal("blue", Parse(line).Str("netns.name")));
    }

    [Fact]
    public void Socket_WithoutNamespace_HasNoNetns()
    {
        JsonElement line = JsonLines.WriteOne(TestRecords.TcpListenerV4);

        Assert.False(line.Has("netns"));
        Assert.False(line.Has("container"));
    }

    [Fact]
    public void HostStateFactory_SharesNetworkPerFamilyAndNamespace()
    {
        var factory = new HostStateDocumentFactory();
        NetworkNamespace ns = HostStateRecords.NamedNamespace;

        RouteDocument a = factory.CreateRoute(HostStateRecords.DefaultV4, ns, TestRecords.Host, TestRecords.Timestamp);
        RouteDocument b = factory.CreateRoute(HostStateRecords.ConnectedV4, ns, TestRecords.Host, TestRecords.Timestamp);
        RouteDocument c = factory.CreateRoute(HostStateRecords.LocalV6Loopback, ns, TestRecords.Host, TestRecords.Timestamp);
        RouteDocument d = factory.CreateRoute(HostStateRecords.DefaultV4, HostStateRecords.HostNamespace, TestRecords.Host, TestRecords.Timestamp);

        Assert.Same(a.Network, b.Network);
        Assert.NotSame(a.Network, c.Network);
        Assert.Equal("ipv6", c.Network!.Type);
        Assert.Equal(4026531840ul, d.Netns!.Inode);
        Assert.Same(a.Netns, b.Netns);
        Assert.Same(a.Host, d.Host);
        Assert.Same(a.Timestamp, d.Timestamp);
    }

    [Fact]
    public void MixedDatasets_OneStream_AllValid()
    {
        NetworkNamespace ns = HostStateRecords.NamedNamespace;
        string[] lines = SchemaValidator.AssertValidLines(WriteBytes(w =>
        {
            w.WriteSnapshot(TestRecords.Snapshot(TestRecords.All), ns);
            w.WriteRoutes(HostStateRecords.AllRoutes, ns, TestRecords.Host, TestRecords.Timestamp);
            w.WriteInterfaces(HostStateRecords.AllInterfaces, ns, TestRecords.Host, TestRecords.Timestamp);
            w.WriteStatistics(HostStateRecords.AllStatistics, ns, TestRecords.Host, TestRecords.Timestamp);
        }));

        int expected = TestRecords.All.Count + HostStateRecords.AllRoutes.Count + HostStateRecords.AllInterfaces.Count + HostStateRecords.AllStatistics.Count;
        Assert.Equal(expected, lines.Length);
        Assert.Equal(
            ["socket", "route", "interface", "netstat"],
            lines.Select(l => Parse(l).Str("event.dataset")!).Distinct());
        Assert.Equal("snapshot", Parse(lines[^1]).Str("event.action"));
    }

    [Fact]
    public void EmptyLists_WriteNothing()
    {
        Assert.Empty(WriteBytes(w =>
        {
            w.WriteRoutes([], null, TestRecords.Host, TestRecords.Timestamp);
            w.WriteInterfaces([], null, TestRecords.Host, TestRecords.Timestamp);
            w.WriteStatistics([], null, TestRecords.Host, TestRecords.Timestamp);
        }));
    }

    private static string SourceFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SocketAgent.Core.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "Fixtures", "json");
            }
        }
        throw new DirectoryNotFoundException("tests/SocketAgent.Core.Tests not found above " + AppContext.BaseDirectory);
    }
}
