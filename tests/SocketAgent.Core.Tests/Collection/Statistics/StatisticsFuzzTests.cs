using System.Text;
using CsCheck;
using SocketAgent.Collection;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Statistics;

/// <summary>Bad text never throws, and every group or line that comes out is well formed.</summary>
public class StatisticsFuzzTests
{
    private const long Iterations = 300;

    private static readonly Gen<string> s_snmpishText =
        Gen.Char["TcpUdIpx0123456789-: \t\r\n6"].Array[0, 600].Select(a => new string(a));

    [Fact]
    public void RandomBytes_NeverThrow() =>
        Gen.Byte.Array[0, 4096].Sample(ParseBoth, iter: Iterations);

    [Fact]
    public void RandomSnmpishText_NeverThrow() =>
        s_snmpishText.Sample(text => ParseBoth(Encoding.ASCII.GetBytes(text)), iter: Iterations);

    [Fact]
    public void TruncatedAndMutatedRealFiles_NeverThrow_GroupsStayConsistent()
    {
        byte[][] files = StatisticsFixtures.Captures
            .SelectMany(c => new[] { "snmp", "netstat", "snmp6" }.Select(f => StatisticsFixtures.Read(c, f)))
            .ToArray();
        Gen<byte[]> mutated =
            from file in Gen.Int[0, files.Length - 1].Select(i => files[i])
            from cut in Gen.Int[0, 5000]
            from position in Gen.Int[0, 5000]
            from replacement in Gen.Byte
            select Mutate(file, cut, position, replacement);

        mutated.Sample(ParseBoth, iter: Iterations);
    }

    [Fact]
    public void SwappedValueLines_NeverThrow_TornGroupsCounted()
    {
        // Header/value lines of different groups paired up: each such pair is skipped and counted, none throws.
        string[] lines = StatisticsFixtures.ReadText("host", "snmp").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Gen.Int[0, lines.Length - 1].Array[0, 16].Sample(picks =>
        {
            byte[] text = Encoding.ASCII.GetBytes(string.Join('\n', picks.Select(i => lines[i])));
            var groups = new List<ProtocolStatistics>();
            var diagnostics = new CollectionDiagnostics();
            SnmpTableParser.Parse(text, "snmp", groups, diagnostics);
            // Every group that came out is a true header/values pair of the original file.
            foreach (ProtocolStatistics g in groups)
            {
                int header = Array.FindIndex(lines, l => l.StartsWith(g.Group + ": ", StringComparison.Ordinal));
                Assert.Equal(lines[header].Split(' ').Skip(1), g.Counters.Select(c => c.Key));
            }
        }, iter: Iterations);
    }

    private static void ParseBoth(byte[] bytes)
    {
        var groups = new List<ProtocolStatistics>();
        var diagnostics = new CollectionDiagnostics();
        SnmpTableParser.Parse(bytes, "snmp", groups, diagnostics);
        Snmp6Parser.Parse(bytes, groups, diagnostics);
        foreach (ProtocolStatistics g in groups)
        {
            Assert.NotEmpty(g.Group);
            Assert.NotEmpty(g.Counters);
            Assert.All(g.Counters, c => Assert.NotEmpty(c.Key));
        }
    }

    private static byte[] Mutate(byte[] file, int cut, int position, byte replacement)
    {
        byte[] copy = file[..Math.Min(cut, file.Length)];
        if (copy.Length > 0)
        {
            copy[position % copy.Length] = replacement;
        }
        return copy;
    }
}
