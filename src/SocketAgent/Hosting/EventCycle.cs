using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Tracing;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// One daemon cycle: the place where the stages are composed. The scheduler (<see cref="AgentLoop"/>) calls it every
/// <c>interval</c>; it decides what is due (protocol counters every <c>stats_interval</c>, a heartbeat every
/// <c>heartbeat</c>), asks the source (<see cref="HostCollector"/>, the same one <c>--once</c> uses) for a pass,
/// the event stage (<see cref="EventProducer"/>) for the events, and hands them to the output stage
/// (<see cref="OutputSet"/>). The first cycle emits the full state (<c>snapshot</c>).
/// </summary>
internal sealed class EventCycle : IAgentCycle, IMetricsSource, IDisposable
{
    // The settings the cycle started with: what cannot change at run time (outputs, source). Those a SIGHUP
    // reloads are read from the cycle's context.
    private readonly AgentOptions _options;
    private FilterOptions _filters;
    private long _reopenGeneration;
    private readonly TimeProvider _time;
    private readonly CollectionRequest _request;
    private readonly CollectionRequest _requestWithStatistics;
    private readonly HostCollector _source;
    private readonly KernelTransitionSource? _transitions;
    private readonly EventProducer _events;
    private readonly CollectionWarningReporter _warningReporter;
    private OutputSet? _outputs;
    private DateTimeOffset _lastHeartbeat;
    private DateTimeOffset _lastStatistics;
    private double _collectionMillisTotal;
    private double _lastCollectionMillis;
    private long _cycles;

    /// <param name="options">The agent's settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="transitions">The kernel tracer, when it runs (the caller owns it); null: snapshots alone.</param>
    public EventCycle(AgentOptions options, TimeProvider time, KernelTransitionSource? transitions = null)
    {
        _options = options;
        _transitions = transitions;
        _time = time;
        _warningReporter = new CollectionWarningReporter(time);
        CollectionSettings settings = CollectionSettings.From(options, followChanges: true, time);
        _source = new HostCollector(settings.Collector);
        _filters = options.Filters;
        _events = new EventProducer(settings.Filter, settings.Collector.Parts, options.Netns.Kind == NetworkNamespaceSelectionKind.All);
        // TCP's remnants never become events: the dumps skip them. With the tracer, TCP's closes and transitions come
        // from it: no TCP destroys either.
        _request = new CollectionRequest { Query = settings.Query with { IncludeTcpRemnants = false, TcpTraced = transitions is not null } };
        _requestWithStatistics = _request with { Statistics = true };
    }

    public ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long started = Stopwatch.GetTimestamp();
        var diagnostics = new CollectionDiagnostics();
        bool first = context.IsFirst;
        AgentOptions current = context.Options;
        bool statisticsDue = first || now - _lastStatistics >= current.StatsInterval;
        if (!ReferenceEquals(current.Filters, _filters))
        {
            // A SIGHUP changed the filters: they decide from this cycle's events on.
            _filters = current.Filters;
            _events.UseFilter(new SocketFilter(_filters));
        }

        // The outputs start with the first cycle: they need its context (sequencer, identity, stdout).
        OutputSet outputs = _outputs ??= new OutputSet(_options, context, _source.Host, _time);
        if (context.ReopenGeneration != _reopenGeneration)
        {
            _reopenGeneration = context.ReopenGeneration;
            outputs.Reopen();
        }
        HostCollection pass = _source.Collect(statisticsDue ? _requestWithStatistics : _request, diagnostics);
        _lastCollectionMillis = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _collectionMillisTotal += _lastCollectionMillis;
        _cycles++;

        // After the pass: the tracer's records are then all newer than the dump and the destroys it read.
        _events.Produce(pass, _transitions?.Drain() ?? [], first, outputs);
        EmitTracerLosses(outputs, now);
        if (statisticsDue && _options.Collect.Statistics)
        {
            _lastStatistics = now;
            foreach (NamespaceCollection ns in pass.Namespaces)
            {
                foreach (ProtocolStatistics group in ns.Statistics)
                {
                    outputs.EmitCounters(group, ns.Namespace, now);
                    _events.Count("netstat.counters");
                }
            }
        }
        if (first)
        {
            _lastHeartbeat = now;
        }
        else if (now - _lastHeartbeat >= current.Heartbeat - (current.Interval / 2))
        {
            _lastHeartbeat = now;
            outputs.EmitHeartbeat(Heartbeat(context, now, outputs));
        }
        _events.Count("agent.loss", outputs.EndCycle(now));
        _warningReporter.Report(context.Logger, diagnostics.Warnings);
        return ValueTask.CompletedTask;
    }

    public void RunStep(CycleContext context)
    {
        if (_outputs is not { } outputs)
        {
            return;
        }
        long before = context.Sequencer.Last;
        _events.Stream(_source.PendingDestroys(), _transitions?.Drain() ?? [], outputs);
        EmitTracerLosses(outputs, _time.GetUtcNow());
        if (context.Sequencer.Last != before)
        {
            outputs.EndStep();
        }
    }

    private void EmitTracerLosses(OutputSet outputs, DateTimeOffset now)
    {
        if (_transitions?.TakeLoss() is long lost and > 0)
        {
            outputs.EmitKernelLoss(lost, now);
            _events.Count("agent.loss");
            // The lost records may have been opens or closes: the next pass dumps every TCP socket to find them.
            _source.RequestFullDumps();
        }
        if (_transitions?.TakeUdpEvictions() is long evicted and > 0)
        {
            outputs.EmitUdpFlowLoss(evicted, now);
            _events.Count("agent.loss");
        }
    }

    public long LastSettled(long lastEmitted) => _outputs?.LastSettled(lastEmitted) ?? lastEmitted;

    private HeartbeatRecord Heartbeat(CycleContext context, DateTimeOffset now, OutputSet outputs)
    {
        (long destroyEvents, long destroyLost) = _source.DestroyNotifications;
        return new HeartbeatRecord
        {
            Timestamp = now,
            Uptime = now - context.StartedAt,
            Cycles = _cycles,
            SocketsTracked = _events.SocketsTracked,
            LastCollectionMilliseconds = _lastCollectionMillis,
            AverageCollectionMilliseconds = _cycles == 0 ? null : _collectionMillisTotal / _cycles,
            RssBytes = Environment.WorkingSet,
            Events = _events.Counts.Where(static c => c.Value > 0).ToDictionary(),
            Counters = new Dictionary<string, long>
            {
                [CounterNames.Errors] = context.FailedCycles,
                [CounterNames.OutputErrors] = outputs.Errors.Values.Sum(),
                [CounterNames.Warnings] = _warningReporter.Logged,
                [CounterNames.DestroyEvents] = destroyEvents,
                [CounterNames.DestroyOverruns] = destroyLost,
                [CounterNames.RtnetlinkNotifications] = _source.RtnetlinkNotifications,
                ["filtered_out"] = _events.FilteredOut,
                [CounterNames.ValuesDropped] = outputs.ValuesDropped,
                ["namespaces"] = _source.NamespacesWatched,
                ["processes_tracked"] = _source.ProcessesTracked,
            }.Concat(outputs.DeliveryCounters()).Concat(SourceCounters()).ToDictionary(),
            Source = SourceName,
        };
    }

    /// <summary>What reports sockets: <c>ebpf+netlink</c> when the tracer runs, else the snapshot source alone.</summary>
    private string SourceName => _transitions is not null ? "ebpf+netlink" : _options.Source == SocketSourceKind.Procfs ? "procfs" : "netlink";

    private IEnumerable<KeyValuePair<string, long>> SourceCounters() =>
        _transitions?.Counters() ?? (IEnumerable<KeyValuePair<string, long>>)[];

    /// <summary>For the operations endpoint: copies of the counters, taken on the cycle's thread between cycles.</summary>
    public CycleMetrics CaptureMetrics() => new()
    {
        Events = _events.Counts.Where(static c => c.Value > 0).ToDictionary(StringComparer.Ordinal),
        SocketsTracked = _events.SocketsTracked,
        Source = SourceName,
        SourceCounters = SourceCounters().ToDictionary(StringComparer.Ordinal),
        ProcessesTracked = _source.ProcessesTracked,
        Namespaces = _source.NamespacesWatched,
        FilteredOut = _events.FilteredOut,
        Warnings = _warningReporter.Logged,
        Outputs = _options.Outputs.Kinds,
        OutputErrors = new Dictionary<string, long>(_outputs?.Errors ?? new Dictionary<string, long>(), StringComparer.Ordinal),
        Spool = _outputs?.Spool?.GetStats(),
        SpoolWriteFailure = _outputs?.Spool?.WriteFailure ?? "",
        SpoolMaxBytes = _options.Outputs.SpoolMaxBytes,
        Delivery = _outputs?.Delivery?.Metrics,
    };

    public void Dispose()
    {
        _outputs?.Dispose();
        _source.Dispose();
    }
}
