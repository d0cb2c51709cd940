namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The agent's state as of the end of the last cycle, immutable: published by the loop with one reference swap,
/// read by any number of concurrent scrapes without a lock. The <c>Last…At</c> times are when a counter last grew
/// (seen from one cycle to the next): what <see cref="HealthEvaluator"/> judges "recent" by.
/// </summary>
internal sealed class MetricsSnapshot
{
    public required DateTimeOffset PublishedAt { get; init; }

    public required string AgentId { get; init; }
    public required string Version { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Cycles run since start (the first is the full snapshot).</summary>
    public required long Cycles { get; init; }

    /// <summary>Cycles that failed (logged and skipped).</summary>
    public required long FailedCycles { get; init; }

    /// <summary>When the last cycle that completed (events written, output flushed, sequence saved) ended; null before the first.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>The interval in effect when the snapshot was published (a SIGHUP can change it): what <see cref="HealthEvaluator"/> judges staleness by.</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>The event stream's own figures; null for a cycle that is no <see cref="IMetricsSource"/>.</summary>
    public CycleMetrics? Cycle { get; init; }

    public DateTimeOffset? LastSpoolDropAt { get; init; }
    public DateTimeOffset? LastPermanentFailureAt { get; init; }

    /// <summary>Since when the delivery circuit has not been closed (open or half-open); null while it is closed.</summary>
    public DateTimeOffset? CircuitNotClosedSince { get; init; }

    /// <summary>Per local output, when it last refused a line.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> LastOutputErrorAt { get; init; }
}
