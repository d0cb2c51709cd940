using SocketAgent.Collection;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Statistics;

/// <summary>
/// Captured on this machine (kernel 6.18) by <c>Fixtures/statistics/capture.sh</c>: <c>host/</c> is the host's
/// namespace, <c>netns/</c> a fresh namespace after known loopback traffic; each holds snmp, netstat, snmp6 and the
/// netstat -s outputs taken while those files did not change.
/// </summary>
internal static class StatisticsFixtures
{
    public static readonly string[] Captures = ["host", "netns"];

    public static string Directory(string capture) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "statistics", capture);

    public static byte[] Read(string capture, string file) => File.ReadAllBytes(Path.Combine(Directory(capture), file));

    public static string ReadText(string capture, string file) => File.ReadAllText(Path.Combine(Directory(capture), file));

    public static IReadOnlyList<ProtocolStatistics> ReadAll(string capture, CollectionDiagnostics? diagnostics = null) =>
        new ProtocolStatisticsReader(Directory(capture)).Read(diagnostics ?? new CollectionDiagnostics());

    public static ProtocolStatistics Group(IReadOnlyList<ProtocolStatistics> groups, string name) =>
        Assert.Single(groups, g => g.Group == name);
}
