using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Configuration;
using SocketAgent.Collection.Containers;
using SocketAgent.Collection.Processes;
using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using SocketAgent.Delivery.Outputs;
using SocketAgent.Events;
using SocketAgent.Logging;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;
using SocketAgent.Spool;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The daemon's output stage: it stamps each event (<c>event.id</c>, <c>event.sequence</c>, <c>agent.*</c>), encodes
/// it once, and hands the line with its routing metadata to every configured output (<c>outputs</c>): stdout and
/// the rotating file as it is encoded, Kafka through the durable spool and the delivery loop that drains it.
/// </summary>
/// <remarks>
/// One output that fails (a full disk) loses its lines, counted per output and logged once per message; the others
/// go on. A closed stdout (EPIPE) is not such a failure: it propagates and ends the agent cleanly.
/// Not thread-safe: the cycle's thread only (the delivery loop runs on its own task against the spool).
/// </remarks>
internal sealed class OutputSet : IEncodedLineSink, IDisposable
{
    /// <summary>EPIPE: the reader of stdout went away.</summary>
    private const int BrokenPipe = 32;

    private readonly OutputOptions _options;
    private readonly CycleContext _context;
    private readonly HostIdentity _host;
    private readonly JsonLinesWriter _writer;
    // Container names for the lines (Docker Engine, the node's pod list), when configured; owned here.
    private readonly ContainerDirectoryChain? _containers;
    private readonly List<ILineOutput> _lines = [];
    // Lines each local output failed to write; the heartbeat's output_errors is their sum.
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);
    private long _droppedLogged;
    private readonly CancellationTokenSource _stopDelivery = new();
    // The loss lines are exact on the data path; on stderr one line per kind and a count once a minute.
    private readonly MessageThrottle _lossLog;
    private DurableSpool? _spool;
    private DeliveryLoop? _delivery;
    private Task? _deliveryTask;
    private SpoolLineSink? _spoolSink;

    /// <summary>Starts every configured output; one that cannot start throws <see cref="OutputStartException"/> naming it.</summary>
    public OutputSet(AgentOptions options, CycleContext context, HostIdentity host, TimeProvider time)
    {
        _options = options.Outputs;
        _context = context;
        _lossLog = new MessageThrottle(message => context.Logger.LogError("{Message}", message), TimeSpan.FromSeconds(60), time);
        _host = host;
        if (_options.Has("stdout"))
        {
            // Into the loop's buffered stdout (it flushes after the cycle); EPIPE surfaces as a broken pipe there.
            _lines.Add(new StdoutOutput(context.Output, leaveOpen: true));
        }
        if (_options.Has("file"))
        {
            _lines.Add(Start("file", () => new RotatingFileOutput(new FileOutputOptions
            {
                Path = _options.FilePath,
                MaxBytes = _options.FileMaxBytes,
                MaxAge = _options.FileMaxAge,
                Keep = _options.FileKeep,
                Compress = _options.FileCompress,
            }, time)));
        }
        if (_options.Has("kafka"))
        {
            Start("kafka", () => StartKafka(options.StateDirectory, time));
        }
        ILogger logger = context.Logger;
        _containers = ContainerDirectories.Open(options, message => logger.LogWarning("{Message}", message));
        _writer = new JsonLinesWriter(this, new UserNameResolver().GetUserName, RouteTableNames.LoadSystem(), options.Fields, _containers);
        if (context.PreviousRunUnclean is (long first, long last))
        {
            // The previous run ended without a clean stop: these numbers were either emitted before it ended or never
            // used. Either way none is used again, and the consumer learns why it may not have seen them.
            _writer.WriteLoss(first, last, last - first + 1, UncleanStopReason, "all", time.GetUtcNow(), context.Sequencer.Next(), context.Identity, host);
            context.Logger.LogWarning("the previous run did not stop cleanly (a crash, a kill, or a stop while the spool's disk was full): events {First}..{Last} may be missing; a loss line names them", first, last);
        }
    }

    /// <summary><c>loss.reason</c> of the numbers an unclean stop may have left unsent.</summary>
    public const string UncleanStopReason = "unclean_stop";

    /// <summary>The Kafka output's spool and delivery loop, when it is configured (heartbeat and /metrics).</summary>
    public DurableSpool? Spool => _spool;
    public DeliveryLoop? Delivery => _delivery;

    /// <summary>Lines each local output could not write, by output name.</summary>
    public IReadOnlyDictionary<string, long> Errors => _errors;

    /// <summary>Kernel values left out of their lines because they did not fit their field (heartbeat <c>values_dropped</c>).</summary>
    public long ValuesDropped => KernelValues.Dropped;

    public void Emit(SocketEvent e, IConnectionDirectionResolver? directions) =>
        _writer.WriteEvent(e, _context.Sequencer.Next(), _context.Identity, _host, directions);

    public void Emit(RouteEvent e) => _writer.WriteEvent(e, _context.Sequencer.Next(), _context.Identity, _host);

    public void Emit(InterfaceEvent e) => _writer.WriteEvent(e, _context.Sequencer.Next(), _context.Identity, _host);

    public void EmitCounters(ProtocolStatistics group, NetworkNamespace ns, DateTimeOffset at) =>
        _writer.WriteCounters(group, ns, _host, at, _context.Sequencer.Next(), _context.Identity);

    public void EmitHeartbeat(HeartbeatRecord heartbeat) =>
        _writer.WriteHeartbeat(heartbeat, _context.Sequencer.Next(), _context.Identity, _host);

    /// <summary>
    /// A <c>loss</c> line for records the kernel tracer dropped (its ring buffer was full): they never had a sequence,
    /// so the line carries the count and its own sequence as the range.
    /// </summary>
    public void EmitKernelLoss(long count, DateTimeOffset now)
    {
        EventStamp stamp = _context.Sequencer.Next();
        _writer.WriteLoss(stamp.Sequence, stamp.Sequence, count, "ebpf_ring_buffer_full", "ebpf", now, stamp, _context.Identity, _host);
        _context.Logger.LogError("the eBPF ring buffer was full: {Count} kernel records were dropped; a loss line counts them (raise ebpf.ring_buffer_bytes)", count);
    }

    /// <summary>
    /// A <c>loss</c> line for UDP flows whose counts the kernel side's flow map evicted (full): each was closed without
    /// bytes and packets.
    /// </summary>
    public void EmitUdpFlowLoss(long count, DateTimeOffset now)
    {
        EventStamp stamp = _context.Sequencer.Next();
        _writer.WriteLoss(stamp.Sequence, stamp.Sequence, count, "ebpf_udp_flow_evicted", "ebpf", now, stamp, _context.Identity, _host);
        _context.Logger.LogWarning("the eBPF UDP flow map was full: {Count} flows were closed without their counts (raise ebpf.udp_flows)", count);
    }

    /// <summary>
    /// After a step between cycles that wrote: the local outputs (stdout, file) write out what they buffered, so those
    /// lines go out now, not at the cycle's end. The spool's batch is made durable by the cycles only.
    /// </summary>
    public void EndStep() => _writer.Flush();

    /// <summary>
    /// After each cycle: flush the local outputs, make the spool's batch durable and, when it has room again, name
    /// what it dropped in <c>loss</c> lines (which go to every output, the spool included). Returns the loss lines written.
    /// </summary>
    public int EndCycle(DateTimeOffset now)
    {
        _writer.Flush();
        if (KernelValues.Dropped != _droppedLogged)
        {
            _context.Logger.LogWarning(
                "{Count} values the kernel reported did not fit their field (a 64-bit counter above 2^63-1) and were left out of their lines (heartbeat counter values_dropped)",
                KernelValues.Dropped - _droppedLogged);
            _droppedLogged = KernelValues.Dropped;
        }
        if (_spool is null)
        {
            return 0;
        }
        int losses = 0;
        _spool.EndBatch();
        while (_spool.TakeLoss() is SpoolLoss loss)
        {
            _writer.WriteLoss(loss.First, loss.Last, loss.Count, loss.Reason, "kafka", now, _context.Sequencer.Next(), _context.Identity, _host);
            losses++;
            _lossLog.Write(loss.Reason switch
            {
                SpoolLoss.SpoolCorrupt => $"the spool lost events {loss.First}..{loss.Last} ({loss.Count}) to a corrupt or torn segment; a loss line names them",
                SpoolLoss.SpoolFull => $"the spool was full: events {loss.First}..{loss.Last} ({loss.Count}) were dropped; a loss line names them",
                _ => $"the spool could not write to its disk ({loss.Reason}): events {loss.First}..{loss.Last} ({loss.Count}) were dropped; a loss line names them",
            });
        }
        _writer.Flush();
        _spool.EndBatch();
        return losses;
    }

    void IEncodedLineSink.Write(in EncodedLine line)
    {
        foreach (ILineOutput output in _lines)
        {
            try
            {
                output.Write(line.Json);
            }
            catch (IOException ex) when (ex.HResult != BrokenPipe)
            {
                Failed(output, ex);
            }
        }
        // Accepted once it is in the spool; a full spool drops the newest and the loss line names them later.
        _spoolSink?.Write(line);
    }

    void IEncodedLineSink.Flush()
    {
        foreach (ILineOutput output in _lines)
        {
            try
            {
                output.Flush();
            }
            catch (IOException ex) when (ex.HResult != BrokenPipe)
            {
                Failed(output, ex);
            }
        }
    }

    /// <summary>
    /// SIGHUP: the file output closes its file and opens the path again, so a file logrotate renamed gets no more
    /// lines and a new one takes them (its buffered lines go to the old file first: none lost, none twice).
    /// </summary>
    public void Reopen()
    {
        foreach (ILineOutput output in _lines)
        {
            if (output is RotatingFileOutput file)
            {
                try
                {
                    file.Reopen();
                }
                catch (IOException ex)
                {
                    // Nothing accepted is lost (the lines stay buffered) and the next write opens the file again.
                    _context.Logger.LogError("output {Output}: could not reopen {Path}: {Message}; the next write tries again", output.Name, file.Path, ex.Message);
                }
            }
        }
    }

    private void Failed(ILineOutput output, IOException ex)
    {
        // A full disk: this output loses the line (counted, logged once per message); the others go on.
        _errors[output.Name] = _errors.GetValueOrDefault(output.Name) + 1;
        if (_logged.Count < 1000 && _logged.Add($"{output.Name}: {ex.Message}"))
        {
            _context.Logger.LogError("output {Output} failed: {Message}; its lines are counted as lost until it recovers", output.Name, ex.Message);
        }
    }

    /// <summary>Starts one output; its failure names the output, so the operator looks at the right setting.</summary>
    private static T Start<T>(string name, Func<T> start)
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
    private bool StartKafka(string stateDirectory, TimeProvider time)
    {
        ILogger logger = _context.Logger;
        // A disk that frees and fills again every cycle (Kafka confirming as fast as events come) would say "cannot
        // write" / "works again" each time: each kind of line once, then a count once a minute.
        var spoolLog = new MessageThrottle(warning => logger.LogWarning("spool: {Warning}", warning), TimeSpan.FromSeconds(60), time);
        _spool = DurableSpool.Open(Path.Combine(stateDirectory, "spool", "kafka"),
            new SpoolOptions { MaxBytes = _options.SpoolMaxBytes }, spoolLog.Write, time);
        // After a crash between a spool append and the sequence file's save, continue above what the spool holds.
        // A recovery that cut the newest segment lost accepted events up to the saved sequence: name them in a loss line.
        // The previous run's last flushed number, not this run's start: after an unclean stop the numbers between
        // the two are named by the unclean_stop loss line, whether the spool had them or not.
        _spool.ReportCutTail(_context.PreviousRunUnclean is (long first, _) ? first - 1 : _context.Sequencer.Last);
        _context.Sequencer.AdvanceTo(_spool.LastSequence);
        _spoolSink = new SpoolLineSink(_spool);
        var kafka = new KafkaOutputOptions
        {
            BootstrapServers = _options.KafkaBootstrapServers,
            Topic = _options.KafkaTopic,
            TopicsByDataset = new Dictionary<string, string>(_options.KafkaTopics, StringComparer.Ordinal),
            FlowTopic = _options.KafkaFlowTopic.Length == 0 ? null : _options.KafkaFlowTopic,
            Compression = _options.KafkaCompression,
            Properties = new Dictionary<string, string>(_options.KafkaProperties, StringComparer.Ordinal),
        };
        string agentId = _context.Identity.Id;
        // An outage repeats the same lines every second (librdkafka per reconnect, the loop per retry): the first of a
        // kind is logged, the repeats are counted and summarised once a minute.
        var throttle = new MessageThrottle(message => logger.LogWarning("kafka: {Message}", message), TimeSpan.FromSeconds(60), time);
        Action<string> log = throttle.Write;
        _delivery = new DeliveryLoop(_spool, callback => new KafkaOutput(kafka, agentId, callback, log), new DeliveryLoopOptions { TimeProvider = time }, log);
        _deliveryTask = Task.Run(() => _delivery.RunAsync(_stopDelivery.Token));
        return true;
    }

    /// <summary>
    /// The last sequence up to <paramref name="lastEmitted"/> every output has settled: below what the spool holds
    /// only in memory (a full disk) or dropped without a loss line yet.
    /// </summary>
    public long LastSettled(long lastEmitted) =>
        _spool?.FirstUnsettled is long first ? Math.Min(lastEmitted, first - 1) : lastEmitted;

    /// <summary>What operators watch on the Kafka path: spool depth, watermark lag, latency, retries, circuit, losses.</summary>
    public IEnumerable<KeyValuePair<string, long>> DeliveryCounters()
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
        // 1 while the state directory's disk refuses the spool's writes (full): the degraded state, not a counter.
        yield return new("spool_write_failing", spool.WriteFailing ? 1 : 0);
        // 1 while Kafka takes nothing and the spool holds the events (an outage): what /healthz calls spooling.
        yield return new("spooling", delivery.Spooling ? 1 : 0);
    }

    public void Dispose()
    {
        try
        {
            _writer.Dispose();
        }
        catch (IOException ex) when (ex.HResult == BrokenPipe)
        {
            // stdout's reader went away (| head): the closed output refuses the last flush, which is how the agent
            // came to stop — not an error (exit 0). The other outputs were flushed before it in the same call.
        }
        if (_deliveryTask is not null)
        {
            // Stop delivering: what Kafka has not confirmed stays in the spool for the next run.
            _stopDelivery.Cancel();
            _deliveryTask.Wait(TimeSpan.FromSeconds(15));
            _delivery!.Dispose();
        }
        _spool?.Dispose();
        foreach (ILineOutput output in _lines)
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
        _stopDelivery.Dispose();
        _containers?.Dispose();
    }
}
