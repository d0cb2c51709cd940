using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Collection;
using SocketAgent.Collection.Incremental;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Processes;
using SocketAgent.Collection.Redaction;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Collection.Statistics;
using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using SocketAgent.Delivery.Outputs;
using SocketAgent.Spool;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Output.Json;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// One daemon cycle, the whole pipeline: in every selected namespace read the sockets (incrementally), and the
/// interfaces and routes when rtnetlink said they changed; attribute new sockets to processes; turn sock_diag
/// destroy notifications and the snapshot differences into events; write them with their envelope. The first cycle
/// emits the full state (<c>snapshot</c>); statistics every <c>stats_interval</c>, a heartbeat every <c>heartbeat</c>.
/// </summary>
internal sealed class EventCycle : IAgentCycle, IMetricsSource, IDisposable
{
    /// <summary>rtnetlink notifications are the trigger; this re-dump is the safety net for a lost one.</summary>
    private static readonly TimeSpan s_networkSafetyInterval = TimeSpan.FromSeconds(60);

    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly SocketQuery _query;
    private readonly NetworkNamespaceEnumerator _enumerator = new();
    private readonly NetworkNamespaceRunner _runner = new();
    private readonly NetworkNamespaceCollector _namespaces;
    private readonly ConcurrentDictionary<ulong, NamespaceWatch> _watches = new();
    private readonly IncrementalCollectorOptions _readerOptions;
    private readonly SocketOwnerCache _owners;
    private readonly SocketDiffer _sockets = new(new SocketDifferOptions { DestroyEventsExpected = true });
    private readonly RouteDiffer _routes = new();
    private readonly InterfaceDiffer _interfaces = new();
    private readonly SocketEventFilter _filter;
    private readonly CollectionDiagnostics _lifetime = new();
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _eventCounts = new(StringComparer.Ordinal);
    private readonly HostIdentity _host;
    private SocketJsonLinesWriter? _writer;
    private EventLineRouter? _router;
    private readonly List<ILineOutput> _lineOutputs = [];
    // Lines each local output failed to write; the heartbeat's output_errors is their sum.
    private readonly Dictionary<string, long> _outputErrorsByName = new(StringComparer.Ordinal);
    private DurableSpool? _spool;
    private DeliveryLoop? _delivery;
    private Task? _deliveryTask;
    private readonly CancellationTokenSource _stopDelivery = new();
    private DateTimeOffset _lastHeartbeat;
    private DateTimeOffset _lastStatistics;
    private DateTimeOffset _lastNetworkDump;
    private double _collectionMillisTotal;
    private double _lastCollectionMillis;
    private long _cycles;
    private long _warnings;
    private readonly NamespaceNetworkReader _network = new();

    public EventCycle(AgentOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _host = HostIdentityReader.Read(options.HostName);
        _query = new SocketQuery { Transports = options.Collect.Transports, Families = IpFamilySet.Both };
        _namespaces = new NetworkNamespaceCollector(_runner);
        _readerOptions = new IncrementalCollectorOptions { TimeProvider = time };
        var redactor = options.Redaction.Enabled
            ? new CommandLineRedactor(new CommandLineRedactionOptions
            {
                ExtraFlags = options.Redaction.Flags,
                ExtraPatterns = options.Redaction.Patterns.Select(static r => r.ToString()).ToArray(),
            })
            : CommandLineRedactor.Disabled;
        _owners = new SocketOwnerCache(_readerOptions, new ProcessInfoReader(redactor: redactor));
        _filter = new SocketEventFilter(options.Filters);
    }

    public ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long started = Stopwatch.GetTimestamp();
        var diagnostics = new CollectionDiagnostics();
        bool first = context.IsFirst;
        bool statisticsDue = (_options.Collect.Statistics && first) || (_options.Collect.Statistics && now - _lastStatistics >= _options.StatsInterval);
        bool networkWanted = _options.Collect.Interfaces || _options.Collect.Routes;
        bool networkSafety = first || now - _lastNetworkDump >= s_networkSafetyInterval;

        IReadOnlyList<NetworkNamespace> selected = _enumerator.Enumerate(_options.Netns, diagnostics);
        IReadOnlyList<NamespaceOutcome<NamespaceRead>> outcomes = _namespaces.Collect(
            selected, ns => ReadNamespace(ns, diagnostics, networkWanted, networkSafety, statisticsDue), diagnostics);

        var reads = new List<NamespaceRead>(outcomes.Count);
        foreach (NamespaceOutcome<NamespaceRead> outcome in outcomes)
        {
            if (outcome.Succeeded && outcome.Value is not null)
            {
                reads.Add(outcome.Value);
            }
        }

        // Attribution on the agent's own thread (it walks /proc with several threads: never in a namespace thread).
        SocketOwners owners = _owners.Resolve(reads.Select(static r => r.Sockets).ToList(), diagnostics);
        _lastCollectionMillis = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _collectionMillisTotal += _lastCollectionMillis;
        _cycles++;

        _writer ??= new SocketJsonLinesWriter(CreateRouter(context), new UserNameResolver().GetUserName, RouteTableNames.LoadSystem());
        foreach (NamespaceRead read in reads)
        {
            WriteNamespaceEvents(context, read, owners, now, first);
        }
        ForgetVanishedNamespaces(context, selected, now);

        if (statisticsDue)
        {
            _lastStatistics = now;
            foreach (NamespaceRead read in reads)
            {
                foreach (ProtocolStatistics group in read.Statistics)
                {
                    _writer.WriteCounters(group, read.Watch.Namespace, _host, now, context.Sequencer.Next(), context.Identity);
                    Count("netstat.counters");
                }
            }
        }
        if (networkWanted && reads.Any(static r => r.NetworkRead))
        {
            _lastNetworkDump = now;
        }

        // Listener threads start here, on the agent's own thread, for namespaces seen for the first time.
        foreach (NamespaceWatch watch in _watches.Values)
        {
            watch.StartListeners();
        }
        if (first)
        {
            _lastHeartbeat = now;
        }
        else if (now - _lastHeartbeat >= _options.Heartbeat - (_options.Interval / 2))
        {
            _lastHeartbeat = now;
            _writer.WriteHeartbeat(Heartbeat(context, now), context.Sequencer.Next(), context.Identity, _host);
        }
        _writer.Flush();
        _router!.Flush();
        EndSpoolBatch(context, now);
        Report(context.Logger, diagnostics);
        return ValueTask.CompletedTask;
    }

    /// <summary>The outputs (<c>outputs</c>): stdout and the rotating file get every line as it is encoded.</summary>
    private EventLineRouter CreateRouter(CycleContext context)
    {
        OutputOptions outputs = _options.Outputs;
        if (outputs.Has("stdout"))
        {
            // Into the loop's buffered stdout (it flushes after the cycle); EPIPE surfaces as a broken pipe there.
            _lineOutputs.Add(new StdoutOutput(context.Output, leaveOpen: true));
        }
        if (outputs.Has("file"))
        {
            _lineOutputs.Add(StartOutput("file", () => new RotatingFileOutput(new FileOutputOptions
            {
                Path = outputs.FilePath,
                MaxBytes = outputs.FileMaxBytes,
                MaxAge = outputs.FileMaxAge,
                Keep = outputs.FileKeep,
                Compress = outputs.FileCompress,
            }, _time)));
        }
        ILogger logger = context.Logger;
        Action<DeliveryRecord>? remote = null;
        if (outputs.Has("kafka"))
        {
            DurableSpool spool = StartOutput("kafka", () =>
            {
                StartKafka(context);
                return _spool!;
            });
            // Accepted once it is in the spool; a full spool drops the newest and the loss line names them later.
            remote = record => spool.TryAppend(record);
        }
        _router = new EventLineRouter(_lineOutputs, remote, (output, ex) =>
        {
            // A full disk: this output loses the line (counted, logged once per message); the others go on.
            _outputErrorsByName[output.Name] = _outputErrorsByName.GetValueOrDefault(output.Name) + 1;
            if (_logged.Add($"{output.Name}: {ex.Message}"))
            {
                logger.LogError("output {Output} failed: {Message}; its lines are counted as lost until it recovers", output.Name, ex.Message);
            }
        });
        return _router;
    }

    /// <summary>Starts one output; its failure names the output, so the operator looks at the right setting.</summary>
    private static T StartOutput<T>(string name, Func<T> start)
    {
        try
        {
            return start();
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OutputStartException))
        {
            throw new OutputStartException($"cannot start the {name} output: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The Kafka output: events go to the durable spool in the state directory first (the cycle's write), and a
    /// delivery loop on its own task moves them to Kafka, acknowledging the spool only over what Kafka confirmed.
    /// </summary>
    private void StartKafka(CycleContext context)
    {
        OutputOptions outputs = _options.Outputs;
        ILogger logger = context.Logger;
        _spool = DurableSpool.Open(Path.Combine(_options.StateDirectory, "spool", "kafka"),
            new SpoolOptions { MaxBytes = outputs.SpoolMaxBytes }, warning => logger.LogWarning("spool: {Warning}", warning), _time);
        // After a crash between a spool append and the sequence file's save, continue above what the spool holds.
        // A recovery that cut the newest segment lost accepted events up to the saved sequence: name them in a loss line.
        _spool.ReportCutTail(context.Sequencer.Last);
        context.Sequencer.AdvanceTo(_spool.LastSequence);
        var kafka = new KafkaOutputOptions
        {
            BootstrapServers = outputs.KafkaBootstrapServers,
            Topic = outputs.KafkaTopic,
            TopicsByDataset = new Dictionary<string, string>(outputs.KafkaTopics, StringComparer.Ordinal),
            FlowTopic = outputs.KafkaFlowTopic.Length == 0 ? null : outputs.KafkaFlowTopic,
            Compression = outputs.KafkaCompression,
            Properties = new Dictionary<string, string>(outputs.KafkaProperties, StringComparer.Ordinal),
        };
        string agentId = context.Identity.Id;
        Action<string> log = message => logger.LogWarning("kafka: {Message}", message);
        _delivery = new DeliveryLoop(_spool, callback => new KafkaOutput(kafka, agentId, callback, log), new DeliveryLoopOptions { TimeProvider = _time }, log);
        _deliveryTask = Task.Run(() => _delivery.RunAsync(_stopDelivery.Token));
    }

    /// <summary>After each cycle: make the spool's batch durable and, when it has room again, name what it dropped.</summary>
    private void EndSpoolBatch(CycleContext context, DateTimeOffset now)
    {
        if (_spool is null)
        {
            return;
        }
        _spool.EndBatch();
        while (_spool.TakeLoss() is SpoolLoss loss)
        {
            _writer!.WriteLoss(loss.First, loss.Last, loss.Count, loss.Reason, "kafka", now, context.Sequencer.Next(), context.Identity, _host);
            Count("agent.loss");
            if (loss.Reason == SpoolLoss.SpoolCorrupt)
            {
                context.Logger.LogError("the spool lost events {First}..{Last} ({Count}) to a corrupt or torn segment; a loss line names them", loss.First, loss.Last, loss.Count);
            }
            else
            {
                context.Logger.LogError("the spool was full: events {First}..{Last} ({Count}) were dropped; a loss line names them", loss.First, loss.Last, loss.Count);
            }
        }
        _writer!.Flush();
        _spool.EndBatch();
    }

    /// <summary>Runs on a thread inside <paramref name="ns"/>: opens what must live there, reads, starts no pool work.</summary>
    private NamespaceRead ReadNamespace(NetworkNamespace ns, CollectionDiagnostics diagnostics, bool networkWanted, bool networkSafety, bool statisticsDue)
    {
        NamespaceWatch watch = _watches.GetOrAdd(ns.Inode, _ => new NamespaceWatch(ns, _query, _readerOptions, _lifetime, _time));
        bool newWatch = !watch.Started;

        if (watch.Destroys is { } destroys && destroys.Overruns > watch.LastDestroyOverruns)
        {
            // The kernel dropped destroy notifications: only a full dump can tell which sockets went away.
            watch.LastDestroyOverruns = destroys.Overruns;
            watch.Sockets.RequestFullDump();
        }
        IReadOnlyList<SocketRecord> sockets = _options.Collect.Transports != TransportSet.None ? watch.Sockets.Read(_query, diagnostics) : [];

        NetworkState? network = null;
        RtnetlinkChangeKind changed = watch.Changes?.TakePending() ?? RtnetlinkChangeKind.All;
        if (networkWanted && (newWatch || networkSafety || changed != RtnetlinkChangeKind.None))
        {
            network = _network.Read(diagnostics);
        }
        IReadOnlyList<ProtocolStatistics> statistics = statisticsDue
            ? new ProtocolStatisticsReader(NetworkNamespaceRunner.ThreadNetDirectory).Read(diagnostics)
            : [];
        return new NamespaceRead(watch, newWatch, sockets, network, statistics);
    }

    private void WriteNamespaceEvents(CycleContext context, NamespaceRead read, SocketOwners owners, DateTimeOffset now, bool first)
    {
        NetworkNamespace ns = read.Watch.Namespace;
        // The agent's first cycle is the full state; a namespace that appears later (a new container) is new.
        FirstSight sight = first ? FirstSight.Snapshot : FirstSight.AsNew;
        var socketEvents = new List<SocketEvent>();

        // Destroys first: they happened before (or while) this dump was read, and the differ then knows not to
        // close those sockets again when the dump no longer (or still) shows them.
        if (read.Watch.Destroys is { } destroys)
        {
            while (destroys.Reader.TryRead(out SockDiagDestroyEvent destroyed))
            {
                if (_sockets.OnDestroyed(destroyed.Record, destroyed.At, ns) is SocketEvent closed)
                {
                    socketEvents.Add(closed);
                }
            }
        }
        if (_options.Collect.Transports != TransportSet.None)
        {
            socketEvents.AddRange(_sockets.Apply(ns, read.Sockets, owners, now, sight));
        }

        if (read.Network is { } network)
        {
            read.Watch.LastInterfaces = network.Interfaces;
            if (_options.Collect.Routes)
            {
                foreach (RouteEvent e in _routes.Apply(ns, network.Routes, now, sight))
                {
                    _writer!.WriteEvent(e, context.Sequencer.Next(), context.Identity, _host);
                    Count("route." + e.Action);
                }
            }
            if (_options.Collect.Interfaces)
            {
                foreach (InterfaceEvent e in _interfaces.Apply(ns, network.Interfaces, now, sight))
                {
                    _writer!.WriteEvent(e, context.Sequencer.Next(), context.Identity, _host);
                    Count("interface." + e.Action);
                }
            }
        }

        if (socketEvents.Count == 0)
        {
            return;
        }
        // Direction needs the namespace's listeners and addresses: built only when there is something to write.
        WriteSocketEvents(context, socketEvents, ConnectionDirectionResolver.FromSockets(read.Sockets, read.Watch.LastInterfaces));
    }

    /// <summary>The filters decide; what they keep is written with the next sequence and counted by action.</summary>
    private void WriteSocketEvents(CycleContext context, IEnumerable<SocketEvent> events, IConnectionDirectionResolver? directions)
    {
        foreach (SocketEvent e in events)
        {
            if (_filter.Keep(e))
            {
                _writer!.WriteEvent(e, context.Sequencer.Next(), context.Identity, _host, directions);
                Count("socket." + e.Action.ToEcsName());
            }
        }
    }

    private void ForgetVanishedNamespaces(CycleContext context, IReadOnlyList<NetworkNamespace> selected, DateTimeOffset now)
    {
        if (_watches.Count <= selected.Count)
        {
            return;
        }
        var alive = selected.Select(static n => n.Inode).ToHashSet();
        foreach ((ulong inode, NamespaceWatch watch) in _watches.ToArray())
        {
            if (alive.Contains(inode))
            {
                continue;
            }
            // The namespace is gone (its last process exited, `ip netns del`): so are its sockets.
            WriteSocketEvents(context, _sockets.RemoveNamespace(watch.Namespace, now), directions: null);
            _routes.RemoveNamespace(watch.Namespace);
            _interfaces.RemoveNamespace(watch.Namespace);
            _watches.TryRemove(inode, out _);
            watch.Dispose();
        }
    }

    private HeartbeatRecord Heartbeat(CycleContext context, DateTimeOffset now)
    {
        long destroyEvents = 0, destroyOverruns = 0, rtnetlink = 0;
        foreach (NamespaceWatch watch in _watches.Values)
        {
            destroyEvents += watch.Destroys?.Delivered ?? 0;
            destroyOverruns += (watch.Destroys?.Overruns ?? 0) + (watch.Destroys?.Dropped ?? 0);
            rtnetlink += (watch.Changes?.LinkChanges ?? 0) + (watch.Changes?.AddressChanges ?? 0) + (watch.Changes?.RouteChanges ?? 0);
        }
        return new HeartbeatRecord
        {
            Timestamp = now,
            Uptime = now - context.StartedAt,
            Cycles = _cycles,
            SocketsTracked = _sockets.TrackedCount,
            LastCollectionMilliseconds = _lastCollectionMillis,
            AverageCollectionMilliseconds = _cycles == 0 ? null : _collectionMillisTotal / _cycles,
            RssBytes = Environment.WorkingSet,
            Events = new Dictionary<string, long>(_eventCounts),
            Counters = new Dictionary<string, long>
            {
                [CounterNames.Errors] = context.FailedCycles,
                [CounterNames.OutputErrors] = _outputErrorsByName.Values.Sum(),
                [CounterNames.Warnings] = _warnings,
                [CounterNames.DestroyEvents] = destroyEvents,
                [CounterNames.DestroyOverruns] = destroyOverruns,
                [CounterNames.RtnetlinkNotifications] = rtnetlink,
                ["filtered_out"] = _filter.Dropped,
                ["namespaces"] = _watches.Count,
                ["processes_tracked"] = _owners.ProcessesTracked,
            }.Concat(DeliveryCounters()).ToDictionary(),
        };
    }

    /// <summary>What operators watch on the Kafka path: spool depth, watermark lag, latency, retries, circuit, losses.</summary>
    private IEnumerable<KeyValuePair<string, long>> DeliveryCounters()
    {
        if (_spool is null || _delivery is null)
        {
            yield break;
        }
        SpoolStats spool = _spool.GetStats();
        DeliveryMetrics delivery = _delivery.Metrics;
        yield return new("spool_bytes", spool.Bytes);
        yield return new("spool_events", spool.Events);
        yield return new("watermark_lag", spool.WatermarkLag);
        yield return new("spool_drops", spool.Drops);
        yield return new("delivered", delivery.Persisted);
        yield return new("delivery_retries", delivery.Retries);
        yield return new("delivery_latency_ms", (long)(delivery.AverageLatencyMilliseconds ?? 0));
        yield return new("delivery_permanent_failures", delivery.PermanentFailures);
        yield return new("circuit_open", delivery.CircuitState == "closed" ? 0 : 1);
    }

    /// <summary>For the operations endpoint: copies of the counters, taken on the cycle's thread between cycles.</summary>
    public CycleMetrics CaptureMetrics() => new()
    {
        Events = new Dictionary<string, long>(_eventCounts, StringComparer.Ordinal),
        SocketsTracked = _sockets.TrackedCount,
        ProcessesTracked = _owners.ProcessesTracked,
        Namespaces = _watches.Count,
        FilteredOut = _filter.Dropped,
        Warnings = _warnings,
        Outputs = _options.Outputs.Kinds,
        OutputErrors = new Dictionary<string, long>(_outputErrorsByName, StringComparer.Ordinal),
        Spool = _spool?.GetStats(),
        SpoolMaxBytes = _options.Outputs.SpoolMaxBytes,
        Delivery = _delivery?.Metrics,
    };

    private void Count(string key) => _eventCounts[key] = _eventCounts.GetValueOrDefault(key) + 1;

    /// <summary>Logs each distinct warning once (a condition that persists would otherwise fill the journal every second).</summary>
    private void Report(ILogger logger, CollectionDiagnostics diagnostics)
    {
        foreach (string warning in diagnostics.Warnings.Concat(_lifetime.Warnings))
        {
            if (_logged.Count < 10_000 && _logged.Add(warning))
            {
                _warnings++;
                logger.LogWarning("{Warning}", warning);
            }
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        if (_deliveryTask is not null)
        {
            // Stop delivering: what Kafka has not confirmed stays in the spool for the next run.
            _stopDelivery.Cancel();
            _deliveryTask.Wait(TimeSpan.FromSeconds(15));
            _delivery!.Dispose();
        }
        _spool?.Dispose();
        foreach (ILineOutput output in _lineOutputs)
        {
            try
            {
                output.Dispose();
            }
            catch (IOException)
            {
                // stdout already closed by its reader, or a full disk on the last flush: nothing left to do.
            }
        }
        foreach (NamespaceWatch watch in _watches.Values)
        {
            watch.Dispose();
        }
        _runner.Dispose();
    }

    private sealed record NamespaceRead(
        NamespaceWatch Watch, bool NewWatch, IReadOnlyList<SocketRecord> Sockets, NetworkState? Network, IReadOnlyList<ProtocolStatistics> Statistics)
    {
        public bool NetworkRead => Network is not null;
    }
}
