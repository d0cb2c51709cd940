using SocketAgent.Collection;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Statistics;

public sealed class ProtocolStatisticsReaderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sa-stats-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void CapturedDirectory_SnmpThenNetstatThenSnmp6()
    {
        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<ProtocolStatistics> groups = StatisticsFixtures.ReadAll("host", diagnostics);

        Assert.Equal(
            ["Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite", "TcpExt", "IpExt", "MPTcpExt", "Ip6", "Icmp6", "Udp6", "UdpLite6"],
            groups.Select(g => g.Group));
        Assert.Equal(["snmp", "netstat", "snmp6"], groups.Select(g => g.SourceFile).Distinct());
        Assert.Empty(diagnostics.Warnings);
        Assert.Empty(diagnostics.Counters);
    }

    [Fact]
    public void NoSnmp6_WarnsOnce_KeepsIpv4()
    {
        Directory.CreateDirectory(_directory);
        File.Copy(Path.Combine(StatisticsFixtures.Directory("netns"), "snmp"), Path.Combine(_directory, "snmp"));
        File.Copy(Path.Combine(StatisticsFixtures.Directory("netns"), "netstat"), Path.Combine(_directory, "netstat"));
        var reader = new ProtocolStatisticsReader(_directory);
        var diagnostics = new CollectionDiagnostics();

        IReadOnlyList<ProtocolStatistics> first = reader.Read(diagnostics);
        IReadOnlyList<ProtocolStatistics> second = reader.Read(diagnostics);

        Assert.Equal(9, first.Count);
        Assert.Equal(9, second.Count);
        Assert.Contains("snmp6", Assert.Single(diagnostics.Warnings), StringComparison.Ordinal);
        Assert.Equal(2, diagnostics.Get(ProtocolStatisticsReader.FilesMissingCounter));
    }

    [Fact]
    public void LiveProcNet_HasTheIpv4Groups()
    {
        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<ProtocolStatistics> groups = new ProtocolStatisticsReader().Read(diagnostics);

        Assert.Equal(0, diagnostics.Get(StatisticsText.MalformedCounter));
        Assert.True(StatisticsFixtures.Group(groups, "Ip")["DefaultTTL"] > 0);
        Assert.Equal(-1, StatisticsFixtures.Group(groups, "Tcp")["MaxConn"]);
        Assert.NotNull(StatisticsFixtures.Group(groups, "TcpExt")["TW"]);
    }
}
