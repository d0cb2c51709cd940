using System.Net.Sockets;
using CsCheck;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// <c>netstat -i</c> / <c>-ia</c> from links captured with <c>ip -j</c> in a quiet network namespace (veth pairs,
/// a promiscuous bridge, a NOARP+ALLMULTI link, a down ifb, IPv4 alias labels) must match netstat's own output,
/// captured at the same moment, byte for byte.
/// </summary>
public sealed class NetstatInterfaceWriterTests
{
    internal static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "netstat-ir", name);

    internal static List<InterfaceRecord> FixtureInterfaces() =>
        IpJson.Interfaces(File.ReadAllText(FixturePath("ip-link.json")), File.ReadAllText(FixturePath("ip-addr.json")));

    [Theory]
    [InlineData(false, "netstat-i.txt")]
    [InlineData(true, "netstat-ia.txt")]
    public void Fixture_PrintsExactlyAsNetstat(bool all, string expectedFile)
    {
        string mine = Render(FixtureInterfaces(), all);
        Assert.Equal(File.ReadAllText(FixturePath(expectedFile)), mine);
    }

    [Fact]
    public void Order_IsNetstatsNameOrder_NotInputOrder()
    {
        List<InterfaceRecord> links = FixtureInterfaces();
        links.Reverse();
        Assert.Equal(File.ReadAllText(FixturePath("netstat-ia.txt")), Render(links, all: true));
    }

    [Fact]
    public void Counters_MapLikeProcNetDev()
    {
        var link = new InterfaceRecord
        {
            Index = 1,
            Name = "averyveryverylongname", // cut to 15 like IFNAMSIZ-bound netstat
            Mtu = 1500,
            Flags = 0x1 | 0x10 | 0x40 | 0x80,
            Counters = new InterfaceCounters
            {
                RxPackets = 123456789012, RxErrors = 1, RxDropped = 2, RxMissedErrors = 3, RxFifoErrors = 4, RxOverErrors = 99,
                TxPackets = 5, TxErrors = 6, TxDropped = 7, TxFifoErrors = 8,
            },
        };
        string row = Render([link], all: false).Split('\n')[2];
        Assert.Equal("averyveryverylo  1500 123456789012      1      5 4             5      6      7      8 OPRU", row);
    }

    [Fact]
    public void NoFlags_PrintsNetstatsMarker_OnlyWithAll()
    {
        var link = new InterfaceRecord { Index = 1, Name = "x0", Mtu = 0 };
        Assert.Equal(2, Render([link], all: false).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith(" [NO FLAGS]\n", Render([link], all: true));
    }

    [Theory]
    [InlineData("eth1", "eth1", 0)]
    [InlineData("eth0:1", "eth0:1", 0)]
    [InlineData("a", "aa", -1)]
    [InlineData("eth0", "eth1", -1)]
    [InlineData("eth1", "eth20", -1)]
    [InlineData("eth20", "eth100", -1)]
    [InlineData("eth", "eth2", -1)]
    [InlineData("eth0:1", "eth0:2", -1)]
    [InlineData("eth1:10", "eth13:10", -1)]
    [InlineData("eth1:1", "eth1:13", -1)]
    [InlineData("a", "a:", -1)]
    [InlineData("eth2:10", "eth2:1", 1)]
    [InlineData("eth13:1", "eth1:0", 1)]
    [InlineData("a1b12", "a1b2", 1)]
    [InlineData("eth01", "eth1", 0)] // nstrcmp sees one number: netstat merges such names into one entry
    public void NameComparer_MatchesNetToolsTestVectors(string a, string b, int expected)
    {
        Assert.Equal(expected, Math.Sign(NetstatInterfaceNameComparer.Compare(a, b)));
    }

    [Fact]
    public void NameComparer_NeverThrows_AndIsAntisymmetric()
    {
        Gen<string> names = Gen.String[Gen.Char["ab01:9"], 0, 12];
        Gen.Select(names, names).Sample((a, b) =>
            Math.Sign(NetstatInterfaceNameComparer.Compare(a, b)) == -Math.Sign(NetstatInterfaceNameComparer.Compare(b, a)),
            iter: 2000);
    }

    [Fact]
    public void AliasLabel_GetsOwnRowWithoutCounters()
    {
        var link = new InterfaceRecord
        {
            Index = 2, Name = "eth0", Mtu = 1500, Flags = 0x1 | 0x2 | 0x40 | 0x1000,
            Addresses =
            [
                new InterfaceAddress(System.Net.IPAddress.Parse("192.0.2.1"), 24) { Label = "eth0" },
                new InterfaceAddress(System.Net.IPAddress.Parse("192.0.2.2"), 24) { Label = "eth0:7" },
                new InterfaceAddress(System.Net.IPAddress.Parse("fd00::1"), 64) { Label = "eth0:8" }, // IPv6 has no labels in SIOCGIFCONF
            ],
        };
        string[] rows = Render([link], all: false).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, rows.Length);
        Assert.Equal("eth0:7           1500      - no statistics available -                        BMRU", rows[3]);
        _ = AddressFamily.InterNetwork;
    }

    internal static string Render(IReadOnlyList<InterfaceRecord> links, bool all)
    {
        var writer = new StringWriter();
        new NetstatInterfaceWriter(new NetstatInterfaceOptions { All = all }).Write(links, writer);
        return writer.ToString();
    }
}
