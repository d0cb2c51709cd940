using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Statistics;

/// <summary>
/// Parses <c>/proc/net/snmp</c> and <c>/proc/net/netstat</c>: pairs of lines, a header
/// (<c>Tcp: RtoAlgorithm RtoMin …</c>) and its values (<c>Tcp: 1 200 …</c>). Values are matched to names by
/// position within the pair, so columns a newer kernel adds (6.18's <c>Ip: OutTransmits</c>) come out under their
/// own names. A pair that does not line up (different group, different column count, a non-number, no values line)
/// is skipped whole and counted as <see cref="StatisticsText.MalformedCounter"/>: half a group would be worse than none.
/// </summary>
internal static class SnmpTableParser
{
    /// <summary>Appends the groups of <paramref name="text"/> to <paramref name="into"/> in file order.</summary>
    /// <param name="sourceFile">What <see cref="ProtocolStatistics.SourceFile"/> says: <c>snmp</c> or <c>netstat</c>.</param>
    public static void Parse(ReadOnlySpan<byte> text, string sourceFile, List<ProtocolStatistics> into, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(sourceFile);
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(diagnostics);

        var lines = new ProcNetLines(text);
        ReadOnlySpan<byte> header = default;
        bool haveHeader = false;
        while (true)
        {
            if (!haveHeader && !TryNextNonBlank(ref lines, out header))
            {
                return;
            }
            haveHeader = false;

            if (!TrySplitGroup(header, out ReadOnlySpan<byte> group, out ReadOnlySpan<byte> names))
            {
                diagnostics.Count(StatisticsText.MalformedCounter);
                continue;
            }
            if (!TryNextNonBlank(ref lines, out ReadOnlySpan<byte> valuesLine))
            {
                diagnostics.Count(StatisticsText.MalformedCounter);
                return;
            }
            if (!TrySplitGroup(valuesLine, out ReadOnlySpan<byte> valuesGroup, out ReadOnlySpan<byte> values)
                || !valuesGroup.SequenceEqual(group))
            {
                // A header without its values: the line we took may be the next group's header, so look at it again.
                diagnostics.Count(StatisticsText.MalformedCounter);
                header = valuesLine;
                haveHeader = true;
                continue;
            }

            List<KeyValuePair<string, long>>? counters = TryParseCounters(names, values);
            if (counters is null)
            {
                diagnostics.Count(StatisticsText.MalformedCounter);
                continue;
            }
            into.Add(new ProtocolStatistics
            {
                Group = StatisticsText.ToName(group),
                SourceFile = sourceFile,
                Counters = counters,
            });
        }
    }

    private static List<KeyValuePair<string, long>>? TryParseCounters(ReadOnlySpan<byte> names, ReadOnlySpan<byte> values)
    {
        var counters = new List<KeyValuePair<string, long>>(names.Count((byte)' ') + 1);
        while (true)
        {
            bool haveName = StatisticsText.TryNextToken(ref names, out ReadOnlySpan<byte> name);
            bool haveValue = StatisticsText.TryNextToken(ref values, out ReadOnlySpan<byte> valueText);
            if (!haveName || !haveValue)
            {
                // Both must end together; a column without a value (or the reverse) means the pair is torn.
                return haveName == haveValue && counters.Count > 0 ? counters : null;
            }
            if (!StatisticsText.IsName(name) || !StatisticsText.TryParseValue(valueText, out long value))
            {
                return null;
            }
            counters.Add(new KeyValuePair<string, long>(StatisticsText.ToName(name), value));
        }
    }

    /// <summary>Splits <c>Group: rest</c>; the group must be a plain name.</summary>
    private static bool TrySplitGroup(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> group, out ReadOnlySpan<byte> rest)
    {
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || !StatisticsText.IsName(line[..colon]))
        {
            group = default;
            rest = default;
            return false;
        }
        group = line[..colon];
        rest = line[(colon + 1)..];
        return true;
    }

    private static bool TryNextNonBlank(scoped ref ProcNetLines lines, out ReadOnlySpan<byte> line)
    {
        while (lines.TryNext(out line))
        {
            if (!ProcNetLines.IsBlank(line))
            {
                return true;
            }
        }
        return false;
    }
}
