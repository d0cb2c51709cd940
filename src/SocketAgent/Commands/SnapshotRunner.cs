using SocketAgent.Collection;
using SocketAgent.Model;

namespace SocketAgent.Cli.Commands;

/// <summary>Runs one collection pass and reports its degradations on stderr (never on stdout).</summary>
internal static class SnapshotRunner
{
    public static SocketSnapshot Collect(SnapshotCollectorOptions options, SocketQuery query, TextWriter error)
    {
        var diagnostics = new CollectionDiagnostics();
        var collector = new SnapshotCollector(options);
        SocketSnapshot snapshot = collector.Collect(query, diagnostics);
        ReportDiagnostics(diagnostics, error);
        return snapshot;
    }

    public static void ReportDiagnostics(CollectionDiagnostics diagnostics, TextWriter error)
    {
        foreach (string warning in diagnostics.Warnings)
        {
            error.WriteLine($"socket-agent: warning: {warning}");
        }
        foreach ((string counter, long value) in diagnostics.Counters.OrderBy(static c => c.Key, StringComparer.Ordinal))
        {
            // Routine races (a process exiting mid-scan) are counted but only shown when something was skipped.
            if (value > 0 && (counter.Contains("malformed", StringComparison.Ordinal) || counter.Contains("skipped", StringComparison.Ordinal)))
            {
                error.WriteLine($"socket-agent: warning: {counter} = {value}");
            }
        }
    }
}
