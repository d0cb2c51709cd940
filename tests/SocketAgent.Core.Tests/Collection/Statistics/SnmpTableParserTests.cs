using System.Text;
using SocketAgent.Collection;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Statistics;

public class SnmpTableParserTests
{
    private static (List<ProtocolStatistics> Groups, CollectionDiagnostics Diagnostics) Parse(byte[] text, string source = "snmp")
    {
        var groups = new List<ProtocolStatistics>();
        var diagnostics = new CollectionDiagnostics();
        SnmpTableParser.Parse(text, source, groups, diagnostics);
        return (groups, diagnostics);
    }

    private static (List<ProtocolStatistics> Groups, CollectionDiagnostics Diagnostics) Parse(string text) =>
        Parse(Encoding.ASCII.GetBytes(text));

    [Fact]
    public void RealSnmp_GroupsInFileOrder_ValuesByName()
    {
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse(StatisticsFixtures.Read("netns", "snmp"));

        Assert.Equal(["Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite"], groups.Select(g => g.Group));
        Assert.All(groups, g => Assert.Equal("snmp", g.SourceFile));
        Assert.Empty(diagnostics.Counters);

        ProtocolStatistics ip = groups[0];
        Assert.Equal("Forwarding", ip.Counters[0].Key);
        Assert.Equal(2, ip["Forwarding"]);
        Assert.Equal(64, ip["DefaultTTL"]);
        Assert.Equal(24, ip["InReceives"]);
        // 6.18's new column, last in the header, comes out under its own name.
        Assert.Equal(new KeyValuePair<string, long>("OutTransmits", 24), ip.Counters[^1]);

        ProtocolStatistics tcp = groups[3];
        Assert.Equal(15, tcp.Counters.Count);
        Assert.Equal(-1, tcp["MaxConn"]);
        Assert.Equal(4, tcp["ActiveOpens"]);
        Assert.Equal(2, tcp["PassiveOpens"]);
        Assert.Equal(2, tcp["AttemptFails"]);
        Assert.Equal(2, tcp["OutRsts"]);
        Assert.Equal(0, tcp["InCsumErrors"]);
        Assert.Null(tcp["NoSuchCounter"]);

        Assert.Equal(["InType0", "InType3", "InType8", "OutType0", "OutType3", "OutType8"], groups[2].Counters.Select(c => c.Key));
        Assert.Equal(3, groups[1]["InEchos"]);
        Assert.Equal(1, groups[4]["NoPorts"]);
    }

    [Fact]
    public void RealNetstat_ExtensionGroups()
    {
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse(StatisticsFixtures.Read("netns", "netstat"), "netstat");

        Assert.Equal(["TcpExt", "IpExt", "MPTcpExt"], groups.Select(g => g.Group));
        Assert.Empty(diagnostics.Counters);
        Assert.Equal(2, groups[0]["TW"]);
        Assert.Equal(6, groups[0]["TCPPureAcks"]);
        Assert.Equal(1595, groups[1]["InOctets"]);
        Assert.Equal(24, groups[1]["InNoECTPkts"]);
    }

    [Fact]
    public void HostSnmp_EveryHeaderColumnHasAValue()
    {
        byte[] text = StatisticsFixtures.Read("host", "snmp");
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse(text);

        string[] lines = Encoding.ASCII.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Length / 2, groups.Count);
        Assert.Empty(diagnostics.Counters);
        for (int i = 0; i < groups.Count; i++)
        {
            string[] header = lines[2 * i].Split(' ');
            Assert.Equal(header[0], groups[i].Group + ":");
            Assert.Equal(header.Skip(1), groups[i].Counters.Select(c => c.Key));
        }
    }

    [Fact]
    public void LargeUnsignedCounters_KeepTheir64Bits()
    {
        (List<ProtocolStatistics> groups, _) = Parse("IpExt: InOctets OutOctets\nIpExt: 18446744073709551615 9223372036854775808\n");

        Assert.Equal(ulong.MaxValue, unchecked((ulong)groups[0]["InOctets"]!.Value));
        Assert.Equal(9223372036854775808UL, unchecked((ulong)groups[0]["OutOctets"]!.Value));
    }

    [Theory]
    [InlineData("Tcp: A B C\nTcp: 1 2\nUdp: X\nUdp: 5\n")]          // fewer values than names
    [InlineData("Tcp: A B\nTcp: 1 2 3\nUdp: X\nUdp: 5\n")]          // more values than names
    [InlineData("Tcp: A B\nTcp: 1 x\nUdp: X\nUdp: 5\n")]            // not a number
    [InlineData("Tcp: A B\nTcp: 1 99999999999999999999\nUdp: X\nUdp: 5\n")] // overflow
    [InlineData("Tcp: A B\nUdp: X\nUdp: 5\n")]                      // header without values, next header follows
    [InlineData("Tcp: A B\nTcpX: 1 2\nUdp: X\nUdp: 5\n")]           // values of another group
    [InlineData("no colon here\nUdp: X\nUdp: 5\n")]                 // not a header
    public void TornGroup_SkippedAndCounted_NextGroupKept(string text)
    {
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse(text);

        ProtocolStatistics udp = Assert.Single(groups);
        Assert.Equal("Udp", udp.Group);
        Assert.Equal(5, udp["X"]);
        Assert.True(diagnostics.Get(StatisticsText.MalformedCounter) >= 1);
    }

    [Fact]
    public void MissingValuesLineAtEnd_Counted()
    {
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse("Udp: X\nUdp: 5\nTcp: A B\n");

        Assert.Equal("Udp", Assert.Single(groups).Group);
        Assert.Equal(1, diagnostics.Get(StatisticsText.MalformedCounter));
    }

    [Fact]
    public void BlankLinesAndNoTrailingNewline_Accepted()
    {
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse("\nTcp: A  B\n\nTcp: 1\t-2");

        Assert.Equal([new("A", 1), new("B", -2)], Assert.Single(groups).Counters);
        Assert.Empty(diagnostics.Counters);
    }
}
