using SocketAgent.Cli.Hosting.Telemetry;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// Between the agent loop and whoever reads the agent's state (the OpenTelemetry instruments, <c>/healthz</c>): after
/// every cycle the loop calls <see cref="OnCycleEnded"/> (on its own thread), which records the cycle's duration and
/// publishes a new <see cref="MetricsSnapshot"/>; readers take <see cref="Current"/>. So a scrape or an OTLP export
/// costs the cycle nothing but one copy per cycle, and a slow reader cannot hold up a cycle. Off (no copy, no
/// instrument) when neither the endpoint nor OTLP is.
/// <para>
/// The instruments are created here, one meter per component (<see cref="CycleInstruments"/>,
/// <see cref="EventStreamInstruments"/>, <see cref="DeliveryInstruments"/>, <see cref="ProcessInstruments"/>), and
/// live as long as this object: an exporter subscribes to them by meter name.
/// </para>
/// </summary>
internal sealed class AgentMetrics : IDisposable
{
    private readonly CycleInstruments? _cycle;
    private readonly EventStreamInstruments? _events;
    private readonly DeliveryInstruments? _delivery;
    private readonly ProcessInstruments? _process;
    private readonly TimeProvider _time;
    private MetricsSnapshot? _current;
    private DateTimeOffset? _lastSuccessAt;

    public AgentMetrics(bool enabled, TimeProvider? time = null)
    {
        Enabled = enabled;
        _time = time ?? TimeProvider.System;
        if (enabled)
        {
            _cycle = new CycleInstruments(this);
            _events = new EventStreamInstruments(this);
            _delivery = new DeliveryInstruments(this);
            _process = new ProcessInstruments();
        }
    }

    /// <summary>The meters whose instruments an exporter should collect (besides the runtime's).</summary>
    public static IReadOnlyList<string> MeterNames { get; } =
        [CycleInstruments.MeterName, EventStreamInstruments.MeterName, SocketAgent.Delivery.DeliveryTelemetry.MeterName, ProcessInstruments.MeterName];

    public bool Enabled { get; }

    /// <summary>The last published snapshot; null until the first cycle ended.</summary>
    public MetricsSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Ready or not, and why, as of now (<c>/healthz</c>, <c>socket_agent.ready</c>).</summary>
    public HealthReport Health()
    {
        MetricsSnapshot? snapshot = Current;
        return HealthEvaluator.Evaluate(snapshot, snapshot?.Interval ?? TimeSpan.Zero, _time.GetUtcNow());
    }

    /// <param name="completed">The cycle wrote its events, and the loop flushed them and saved the sequence.</param>
    public void OnCycleEnded(CycleContext context, IAgentCycle cycle, bool completed, TimeSpan duration)
    {
        if (!Enabled)
        {
            return;
        }
        DateTimeOffset now = context.TimeProvider.GetUtcNow();
        _cycle?.Duration.Record(duration.TotalSeconds);
        if (completed)
        {
            _lastSuccessAt = now;
        }
        MetricsSnapshot? previous = _current;
        CycleMetrics? metrics = (cycle as IMetricsSource)?.CaptureMetrics();
        Volatile.Write(ref _current, new MetricsSnapshot
        {
            PublishedAt = now,
            AgentId = context.Identity.Id,
            Version = context.Identity.Version,
            StartedAt = context.StartedAt,
            Cycles = context.CycleNumber,
            FailedCycles = context.FailedCycles,
            LastSuccessAt = _lastSuccessAt,
            Interval = context.Options.Interval,
            Cycle = metrics,
            LastSpoolDropAt = Grew(previous?.Cycle?.Spool?.Drops, metrics?.Spool?.Drops, previous?.LastSpoolDropAt, now),
            LastPermanentFailureAt = Grew(previous?.Cycle?.Delivery?.PermanentFailures, metrics?.Delivery?.PermanentFailures, previous?.LastPermanentFailureAt, now),
            CircuitNotClosedSince = metrics?.Delivery is { CircuitState: not "closed" } ? previous?.CircuitNotClosedSince ?? now : null,
            LastOutputErrorAt = OutputErrorTimes(previous, metrics, now),
        });
    }

    /// <summary><paramref name="now"/> when the counter grew since the previous snapshot (or starts above zero), else the time kept.</summary>
    private static DateTimeOffset? Grew(long? before, long? after, DateTimeOffset? kept, DateTimeOffset now) =>
        after > (before ?? 0) ? now : kept;

    private static IReadOnlyDictionary<string, DateTimeOffset> OutputErrorTimes(MetricsSnapshot? previous, CycleMetrics? metrics, DateTimeOffset now)
    {
        if (metrics is null || metrics.OutputErrors.Count == 0)
        {
            return previous?.LastOutputErrorAt ?? new Dictionary<string, DateTimeOffset>();
        }
        var times = new Dictionary<string, DateTimeOffset>(previous?.LastOutputErrorAt ?? new Dictionary<string, DateTimeOffset>(), StringComparer.Ordinal);
        foreach ((string output, long errors) in metrics.OutputErrors)
        {
            if (errors > (previous?.Cycle?.OutputErrors.GetValueOrDefault(output) ?? 0))
            {
                times[output] = now;
            }
        }
        return times;
    }

    public void Dispose()
    {
        _cycle?.Dispose();
        _events?.Dispose();
        _delivery?.Dispose();
        _process?.Dispose();
    }
}
