using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Model;

namespace SocketAgent.Cli.Commands;

/// <summary>Runs one collection pass and reports its degradations on stderr (never on stdout).</summary>
internal static class SnapshotRunner
{
    /// <summary>The snapshot, or null after a one-line error on stderr; <paramref name="exitCode"/> says which error.</summary>
    /// <param name="log">stderr, in the format the command logs in (netstat: always text).</param>
    public static HostSnapshot? TryCollect(HostCollectorOptions options, SocketQuery query, StderrLog log, out int exitCode)
    {
        var diagnostics = new CollectionDiagnostics();
        try
        {
            using var collector = new HostCollector(options);
            HostSnapshot snapshot = collector.Collect(query, diagnostics);
            exitCode = ExitCodes.Success;
            return snapshot;
        }
        catch (NetworkNamespaceException ex)
        {
            // A --netns PATH that is not a network namespace is a bad value, like an unknown flag.
            log.Write(LogLevel.Error, "--netns", ex.Message);
            exitCode = ExitCodes.Usage;
            return null;
        }
        catch (SocketSourceUnavailableException ex)
        {
            log.Error($"cannot read the socket tables: {ex.Message}", ex);
            exitCode = ExitCodes.Failure;
            return null;
        }
        finally
        {
            ReportDiagnostics(diagnostics, log);
        }
    }

    public static void ReportDiagnostics(CollectionDiagnostics diagnostics, StderrLog log)
    {
        foreach (string warning in diagnostics.Warnings)
        {
            log.Warning(warning);
        }
        foreach ((string counter, long value) in diagnostics.Counters.OrderBy(static c => c.Key, StringComparer.Ordinal))
        {
            // Routine races (a process exiting mid-scan) are counted but only shown when something was skipped.
            if (value > 0 && (counter.Contains("malformed", StringComparison.Ordinal) || counter.Contains("skipped", StringComparison.Ordinal)))
            {
                log.Warning($"{counter} = {value}");
            }
        }
    }
}
