using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Statistics;

/// <summary>
/// Reads the kernel's protocol counters of one network namespace: <c>snmp</c>, then <c>netstat</c>, then
/// <c>snmp6</c>, each group in file order. Point it at <c>/proc/net</c> (the caller's namespace) or at
/// <c>/proc/&lt;pid&gt;/net</c> (the namespace that process is in). A file that cannot be read is a warning, not
/// an error: without <c>snmp6</c> (IPv6 disabled) the IPv4 groups are still worth having.
/// </summary>
internal sealed class ProtocolStatisticsReader
{
    public const string FilesMissingCounter = "statistics.files_unreadable";

    private readonly ProcNetPaths _paths;

    public ProtocolStatisticsReader(ProcNetPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = paths;
    }

    public ProtocolStatisticsReader(string netDirectory = ProcNetPaths.DefaultDirectory)
        : this(new ProcNetPaths(netDirectory))
    {
    }

    public IReadOnlyList<ProtocolStatistics> Read(CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);

        var groups = new List<ProtocolStatistics>(16);
        using var reader = new ProcFileReader();
        if (TryRead(reader, _paths.Snmp, diagnostics, out ReadOnlySpan<byte> snmp))
        {
            SnmpTableParser.Parse(snmp, "snmp", groups, diagnostics);
        }
        if (TryRead(reader, _paths.Netstat, diagnostics, out ReadOnlySpan<byte> netstat))
        {
            SnmpTableParser.Parse(netstat, "netstat", groups, diagnostics);
        }
        if (TryRead(reader, _paths.Snmp6, diagnostics, out ReadOnlySpan<byte> snmp6))
        {
            Snmp6Parser.Parse(snmp6, groups, diagnostics);
        }
        return groups;
    }

    private static bool TryRead(ProcFileReader reader, string path, CollectionDiagnostics diagnostics, out ReadOnlySpan<byte> text)
    {
        try
        {
            text = reader.ReadAll(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // snmp6 is absent when IPv6 is disabled (ipv6.disable=1): say so once, then carry on with IPv4.
            diagnostics.Count(FilesMissingCounter);
            diagnostics.WarnOnce("statistics:" + path, $"cannot read {path} ({e.Message}); its protocol counters are left out");
            text = default;
            return false;
        }
    }
}
