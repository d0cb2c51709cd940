using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Statistics;

/// <summary>
/// Parses <c>/proc/net/snmp6</c>: one <c>Ip6InReceives    123</c> line per counter. The group is the name up to and
/// including its first <c>6</c> (<c>Ip6</c>, <c>Icmp6</c>, <c>Udp6</c>, <c>UdpLite6</c>; <c>Icmp6InType1</c> is
/// <c>Icmp6</c>'s), which is how netstat splits them too; the counter keeps the rest (<c>InReceives</c>). Consecutive
/// lines of one group make one <see cref="ProtocolStatistics"/>, in file order. A line that is not
/// <c>name value</c> is skipped and counted as <see cref="StatisticsText.MalformedCounter"/>.
/// </summary>
internal static class Snmp6Parser
{
    public const string SourceFile = "snmp6";

    public static void Parse(ReadOnlySpan<byte> text, List<ProtocolStatistics> into, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(diagnostics);

        var lines = new ProcNetLines(text);
        string? group = null;
        byte[] groupBytes = [];
        List<KeyValuePair<string, long>>? counters = null;
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }
            if (!TryParseLine(line, out ReadOnlySpan<byte> lineGroup, out ReadOnlySpan<byte> name, out long value))
            {
                diagnostics.Count(StatisticsText.MalformedCounter);
                continue;
            }
            if (group is null || !lineGroup.SequenceEqual(groupBytes))
            {
                Flush(group, counters, into);
                groupBytes = lineGroup.ToArray();
                group = StatisticsText.ToName(lineGroup);
                counters = [];
            }
            counters!.Add(new KeyValuePair<string, long>(StatisticsText.ToName(name), value));
        }
        Flush(group, counters, into);
    }

    private static bool TryParseLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> group, out ReadOnlySpan<byte> name, out long value)
    {
        group = default;
        name = default;
        value = 0;
        if (!StatisticsText.TryNextToken(ref line, out ReadOnlySpan<byte> fullName)
            || !StatisticsText.TryNextToken(ref line, out ReadOnlySpan<byte> valueText)
            || StatisticsText.TryNextToken(ref line, out _)
            || !StatisticsText.IsName(fullName)
            || !StatisticsText.TryParseValue(valueText, out value))
        {
            return false;
        }
        int six = fullName.IndexOf((byte)'6');
        if (six <= 0 || six == fullName.Length - 1)
        {
            return false;
        }
        group = fullName[..(six + 1)];
        name = fullName[(six + 1)..];
        return true;
    }

    private static void Flush(string? group, List<KeyValuePair<string, long>>? counters, List<ProtocolStatistics> into)
    {
        if (group is not null && counters is { Count: > 0 })
        {
            into.Add(new ProtocolStatistics { Group = group, SourceFile = SourceFile, Counters = counters });
        }
    }
}
