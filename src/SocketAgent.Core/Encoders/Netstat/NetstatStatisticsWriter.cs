using System.Globalization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Writes protocol counters exactly as net-tools 2.10 <c>netstat -s</c> prints them from the same files: a
/// <c>Group:</c> line per group, known counters in their sentences (<c>143566 active connection openings</c>),
/// the rest as <c>Name: value</c> when not zero, and the ICMP histograms.
/// </summary>
/// <remarks>
/// This follows <c>statistics.c</c> (<c>printval</c>, <c>newtable</c>, <c>process_fd</c>, <c>process6_fd</c>)
/// including its quirks, all visible in real output: the indent of an unknown counter is that of the previous
/// printed kind, and unknown groups do not reset it (<c>IcmpMsg:</c> lines are indented 8 after the ICMP output
/// histogram); a histogram heading is printed when its first entry is met, zero or not; table lookups use
/// <c>bsearch</c> on tables that are not all sorted (see <see cref="NetstatStatisticsTables"/>); values print as
/// unsigned 64-bit. netstat also prints <c>/proc/net/sctp/snmp</c> when the SCTP module is loaded; that file is not
/// among the groups read here.
/// </remarks>
internal sealed class NetstatStatisticsWriter
{
    private const string Snmp = "snmp";
    private const string Netstat = "netstat";
    private const string Snmp6 = "snmp6";

    private readonly NetstatStatisticsOptions _options;

    public NetstatStatisticsWriter(NetstatStatisticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Writes <paramref name="groups"/> (as <c>ProtocolStatisticsReader</c> returns them) to <paramref name="output"/>.</summary>
    public void Write(IReadOnlyList<ProtocolStatistics> groups, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(output);

        var printer = new Printer(_options, output);
        if (!_options.Ipv6)
        {
            // parsesnmp: /proc/net/snmp, then /proc/net/netstat.
            WriteFile(printer, groups, Snmp, NetstatStatisticsTables.Snmp, groupPrefix: null);
            WriteFile(printer, groups, Netstat, NetstatStatisticsTables.Snmp, groupPrefix: null);
        }
        else
        {
            // parsesnmp6: /proc/net/snmp6, then the groups of /proc/net/snmp starting with "Tcp".
            WriteFile(printer, groups, Snmp6, NetstatStatisticsTables.Snmp6, groupPrefix: null);
            WriteFile(printer, groups, Snmp, NetstatStatisticsTables.Snmp, groupPrefix: "Tcp");
        }
    }

    private static void WriteFile(Printer printer, IReadOnlyList<ProtocolStatistics> groups, string sourceFile,
        NetstatStatisticsTable[] tables, string? groupPrefix)
    {
        foreach (ProtocolStatistics group in groups)
        {
            if (group.SourceFile == sourceFile
                && (groupPrefix is null || group.Group.StartsWith(groupPrefix, StringComparison.Ordinal)))
            {
                // snmp6 names keep their group prefix in netstat's tables and in its unknown-counter lines.
                printer.WriteGroup(tables, group, prefixNames: sourceFile == Snmp6);
            }
        }
    }

    /// <summary>netstat's print state: the kind of the last counter printed, which sets later indents.</summary>
    private sealed class Printer(NetstatStatisticsOptions options, TextWriter output)
    {
        private NetstatStatisticsKind _state = NetstatStatisticsKind.Number;

        public void WriteGroup(NetstatStatisticsTable[] tables, ProtocolStatistics group, bool prefixNames)
        {
            NetstatStatisticsTable table = NewTable(tables, group.Group);
            if (!options.Selects(table.Selector))
            {
                return;
            }
            foreach (KeyValuePair<string, long> counter in group.Counters)
            {
                string title = prefixNames ? group.Group + counter.Key : counter.Key;
                WriteValue(table, title, unchecked((ulong)counter.Value));
            }
        }

        // newtable(): a known group resets the state and prints its title when selected; an unknown one always
        // prints its title and leaves the state alone.
        private NetstatStatisticsTable NewTable(NetstatStatisticsTable[] tables, string title)
        {
            foreach (NetstatStatisticsTable table in tables)
            {
                if (table.Title == title)
                {
                    if (options.Selects(table.Selector))
                    {
                        output.Write(title);
                        output.Write(":\n");
                    }
                    _state = NetstatStatisticsKind.Number;
                    return table;
                }
            }
            output.Write(title);
            output.Write(":\n");
            return new NetstatStatisticsTable(title, null, NetstatStatisticsSelector.Unknown);
        }

        // printval().
        private void WriteValue(NetstatStatisticsTable table, string title, ulong value)
        {
            NetstatStatisticsEntry? entry = table.Entries is null ? null : NetstatStatisticsTables.Find(table.Entries, title);
            if (entry is null)
            {
                if (value != 0)
                {
                    WriteIndent(_state);
                    output.Write(title);
                    output.Write(": ");
                    output.Write(value.ToString(CultureInfo.InvariantCulture));
                    output.Write('\n');
                }
                return;
            }
            if (entry.IsStatic || entry.Format.Length == 0)
            {
                return;
            }

            NetstatStatisticsKind kind = entry.Kind;
            bool histogram = kind is NetstatStatisticsKind.InputHistogram or NetstatStatisticsKind.OutputHistogram;
            if (histogram && _state != kind)
            {
                WriteIndent(_state);
                output.Write(kind == NetstatStatisticsKind.InputHistogram ? "ICMP input histogram:\n" : "ICMP output histogram:\n");
            }

            bool print = kind switch
            {
                NetstatStatisticsKind.Number => true,
                NetstatStatisticsKind.OptionalNumber or NetstatStatisticsKind.InputHistogram or NetstatStatisticsKind.OutputHistogram => value != 0,
                _ => false,
            };
            if (print)
            {
                WriteIndent(kind);
                output.Write(entry.Prefix);
                output.Write(value.ToString(CultureInfo.InvariantCulture));
                output.Write(entry.Suffix);
                output.Write('\n');
            }
            _state = kind;
        }

        private void WriteIndent(NetstatStatisticsKind kind) => output.Write(kind switch
        {
            NetstatStatisticsKind.InputHistogram or NetstatStatisticsKind.OutputHistogram => "        ",
            NetstatStatisticsKind.RtoAlgorithm => "",
            _ => "    ",
        });
    }
}
