using System.Text;
using SocketAgent.Collection;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Statistics;

public class Snmp6ParserTests
{
    private static (List<ProtocolStatistics> Groups, CollectionDiagnostics Diagnostics) Parse(byte[] text)
    {
        var groups = new List<ProtocolStatistics>();
        var diagnostics = new CollectionDiagnostics();
        Snmp6Parser.Parse(text, groups, diagnostics);
        return (groups, diagnostics);
    }

    [Fact]
    public void RealSnmp6_GroupsInFileOrder_NamesWithoutPrefix()
    {
        byte[] text = StatisticsFixtures.Read("netns", "snmp6");
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) = Parse(text);

        Assert.Equal(["Ip6", "Icmp6", "Udp6", "UdpLite6"], groups.Select(g => g.Group));
        Assert.All(groups, g => Assert.Equal("snmp6", g.SourceFile));
        Assert.Empty(diagnostics.Counters);
        Assert.Equal(Encoding.ASCII.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length,
            groups.Sum(g => g.Counters.Count));

        ProtocolStatistics ip6 = groups[0];
        Assert.Equal(new KeyValuePair<string, long>("InReceives", 18), ip6.Counters[0]);
        Assert.Equal(18, ip6["OutTransmits"]);
        Assert.Equal(1759, ip6["InOctets"]);

        // Icmp6InType1 is Icmp6's, not a group of its own.
        Assert.Equal(1, groups[1]["InType1"]);
        Assert.Equal(1, groups[1]["OutType1"]);
        Assert.Equal(4, groups[2]["InDatagrams"]);
        Assert.Equal(1, groups[2]["NoPorts"]);
        Assert.Equal(8, groups[3].Counters.Count);
    }

    [Theory]
    [InlineData("Ip6InReceives\n")]
    [InlineData("Ip6InReceives 1 2\n")]
    [InlineData("Ip6InReceives x\n")]
    [InlineData("NoSixHere 5\n")]
    [InlineData("Ip6 5\n")]
    [InlineData("6Lead 5\n")]
    public void BadLine_SkippedAndCounted(string bad)
    {
        (List<ProtocolStatistics> groups, CollectionDiagnostics diagnostics) =
            Parse(Encoding.ASCII.GetBytes("Ip6InReceives 7\n" + bad + "Ip6OutRequests\t8"));

        ProtocolStatistics ip6 = Assert.Single(groups);
        Assert.Equal([new("InReceives", 7), new("OutRequests", 8)], ip6.Counters);
        Assert.Equal(1, diagnostics.Get(StatisticsText.MalformedCounter));
    }

    [Fact]
    public void GroupComingBack_IsANewGroupInFileOrder()
    {
        (List<ProtocolStatistics> groups, _) = Parse("Ip6A 1\nUdp6B 2\nIp6C 3\n"u8.ToArray());

        Assert.Equal(["Ip6", "Udp6", "Ip6"], groups.Select(g => g.Group));
    }
}
