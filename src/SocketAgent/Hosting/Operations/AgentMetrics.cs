using SocketAgent.Metrics;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// Between the agent loop and the operations endpoint: after every cycle the loop calls <see cref="OnCycleEnded"/>
/// (on its own thread), which records the duration and publishes a new <see cref="MetricsSnapshot"/>; scrapes read
/// <see cref="Current"/>. So a scrape costs the cycle nothing but one copy per cycle, and a slow scrape cannot hold
/// up a cycle. Off (no copy at all) when the endpoint is.
/// </summary>
internal sealed class AgentMetrics
{
    private readonly DurationHistogram _cycleDuration = new(DurationHistogram.CycleBounds);
    private MetricsSnapshot? _current;
    private DateTimeOffset? _lastSuccessAt;

    public AgentMetrics(bool enabled) => Enabled = enabled;

    public bool Enabled { get; }

    /// <summary>The last published snapshot; null until the first cycle ended.</summary>
    public MetricsSnapshot? Current => Volatile.Read(ref _current);

    /// <param name="completed">The cycle wrote its events, and the loop flushed them and saved the sequence.</param>
    public void OnCycleEnded(CycleContext context, IAgentCycle cycle, bool completed, TimeSpan duration)
    {
        if (!Enabled)
        {
            return;
        }
        DateTimeOffset now = context.TimeProvider.GetUtcNow();
        _cycleDuration.Observe(duration);
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
            CycleDuration = _cycleDuration.Snapshot(),
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
}
