using System.Globalization;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;
using SocketAgent.Tests.Collection.Statistics;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// The writer against netstat's own output of the very same files (captured together while the files did not
/// change): byte for byte, for every flag combination captured.
/// </summary>
public class NetstatStatisticsWriterTests
{
    public static TheoryData<string, string> Captures()
    {
        var data = new TheoryData<string, string>();
        foreach (string capture in StatisticsFixtures.Captures)
        {
            foreach (string flags in NetstatStatisticsFlags.All)
            {
                data.Add(capture, flags);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Output_IsByteIdenticalToNetstat(string capture, string flags)
    {
        IReadOnlyList<ProtocolStatistics> groups = StatisticsFixtures.ReadAll(capture);
        string expected = StatisticsFixtures.ReadText(capture, NetstatStatisticsFlags.FileName(flags));

        Assert.Equal(expected, Render(groups, NetstatStatisticsFlags.Parse(flags)));
    }

    [Fact]
    public void UnsortedNetToolsTables_PrintKnownCountersAsUnknown()
    {
        // bsearch misses Forwarding (before ForwDatagrams) and TCPTimeouts (before TCPTSReorder): netstat prints
        // them as "Name: value"; TW and TCPPureAcks are found and print as sentences.
        ProtocolStatistics[] groups =
        [
            Group("snmp", "Ip", ("Forwarding", 2), ("DefaultTTL", 64), ("InReceives", 5)),
            Group("netstat", "TcpExt", ("TW", 3), ("TCPTimeouts", 4), ("TCPPureAcks", 1), ("NewCounter", 0)),
        ];

        Assert.Equal(
            "Ip:\n    Forwarding: 2\n    5 total packets received\n" +
            "TcpExt:\n    3 TCP sockets finished time wait in fast timer\n    TCPTimeouts: 4\n" +
            "    1 acknowledgments not containing data payload received\n",
            Render(groups, new NetstatStatisticsOptions()));
    }

    [Fact]
    public void IcmpHistogram_HeadingWithoutLines_AndUnknownGroupKeepsIndent()
    {
        ProtocolStatistics[] groups =
        [
            Group("snmp", "Icmp", ("InMsgs", 0), ("InDestUnreachs", 0), ("OutMsgs", 1), ("OutEchos", 1)),
            Group("snmp", "IcmpMsg", ("OutType8", 1), ("InType0", 0)),
            Group("snmp", "Tcp", ("MaxConn", -1), ("ActiveOpens", 1), ("InCsumErrors", 2)),
        ];

        Assert.Equal(
            "Icmp:\n    0 ICMP messages received\n    ICMP input histogram:\n    1 ICMP messages sent\n" +
            "    ICMP output histogram:\n        echo requests: 1\n" +
            "IcmpMsg:\n        OutType8: 1\n" +
            "Tcp:\n    1 active connection openings\n    InCsumErrors: 2\n",
            Render(groups, new NetstatStatisticsOptions()));
    }

    [Fact]
    public void NegativeUnknownValue_PrintsAsUnsigned64()
    {
        ProtocolStatistics[] groups = [Group("netstat", "IpExt", ("Odd", -1))];

        Assert.Equal("IpExt:\n    Odd: 18446744073709551615\n", Render(groups, new NetstatStatisticsOptions()));
    }

    internal static string Render(IReadOnlyList<ProtocolStatistics> groups, NetstatStatisticsOptions options)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        new NetstatStatisticsWriter(options).Write(groups, output);
        return output.ToString();
    }

    private static ProtocolStatistics Group(string source, string name, params (string Key, long Value)[] counters) => new()
    {
        Group = name,
        SourceFile = source,
        Counters = counters.Select(c => new KeyValuePair<string, long>(c.Key, c.Value)).ToList(),
    };
}
