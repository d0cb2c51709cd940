using Microsoft.Extensions.Logging;
using SocketAgent.Collection;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Output.Json;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The cycle until the diff engine is wired in: the full snapshot on the first cycle (what <c>--once</c> prints),
/// then only a heartbeat line every <c>heartbeat</c>. Honest about what it knows: it reports no changes because it
/// does not look for any.
/// </summary>
internal sealed class DefaultAgentCycle : IAgentCycle, IDisposable
{
    private SnapshotCollector? _collector;
    private HostIdentity? _host;
    private DateTimeOffset _nextHeartbeat;

    public ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken)
    {
        if (context.IsFirst)
        {
            WriteSnapshot(context);
            _nextHeartbeat = context.CycleStartedAt + context.Options.Heartbeat;
            return ValueTask.CompletedTask;
        }

        // Due times advance by exactly one heartbeat, and the tick nearest to one (within half an interval) takes
        // it: a heartbeat that is not a multiple of the interval keeps its rate on average.
        DateTimeOffset now = context.TimeProvider.GetUtcNow();
        if (now >= _nextHeartbeat - (context.Options.Interval / 2))
        {
            _nextHeartbeat += context.Options.Heartbeat;
            if (_nextHeartbeat <= now)
            {
                // Fell behind (a long cycle, a suspended machine): no burst of catch-up heartbeats.
                _nextHeartbeat = now + context.Options.Heartbeat;
            }
            HeartbeatJsonWriter.Write(context.Output, context, _host!, context.Sequencer.Next(), now);
        }
        return ValueTask.CompletedTask;
    }

    private void WriteSnapshot(CycleContext context)
    {
        _collector ??= new SnapshotCollector(context.Options.ToCollectorOptions(context.TimeProvider));
        _host = _collector.Host;
        var diagnostics = new CollectionDiagnostics();
        var query = new SocketQuery { Transports = context.Options.Collect.Transports, Families = IpFamilySet.Both };
        HostSnapshot snapshot;
        try
        {
            snapshot = _collector.Collect(query, diagnostics);
        }
        finally
        {
            foreach (string warning in diagnostics.Warnings)
            {
                context.Logger.LogWarning("{Warning}", warning);
            }
        }

        using var writer = new SocketJsonLinesWriter(context.Output, new UserNameResolver().GetUserName, RouteTableNames.LoadSystem());
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteSnapshot(snapshot.SocketsOf(state), state.Namespace);
        }
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteRoutes(state.Routes, state.Namespace, snapshot.Host, snapshot.Timestamp);
        }
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteInterfaces(state.Interfaces, state.Namespace, snapshot.Host, snapshot.Timestamp);
        }
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteStatistics(state.Statistics, state.Namespace, snapshot.Host, snapshot.Timestamp);
        }
    }

    public void Dispose() => _collector?.Dispose();
}
