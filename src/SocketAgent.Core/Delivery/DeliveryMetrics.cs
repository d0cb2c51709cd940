using SocketAgent.Metrics;

namespace SocketAgent.Delivery;

/// <summary>A delivery loop's counters for the heartbeat and the operations endpoint: what operators watch when a broker is slow or down.</summary>
public sealed record DeliveryMetrics
{
    private static readonly HistogramSnapshot s_noLatency = new DurationHistogram(DurationHistogram.DeliveryLatencyBounds).Snapshot();

    public long Produced { get; init; }
    public long Persisted { get; init; }
    public long Retries { get; init; }
    public long Rewinds { get; init; }
    public long OutputRebuilds { get; init; }
    public long PermanentFailures { get; init; }
    public long Watermark { get; init; }
    public string CircuitState { get; init; } = "closed";

    /// <summary>Time from handing a record to the output to its confirmation, one observation per confirmed send, since start.</summary>
    public HistogramSnapshot Latency { get; init; } = s_noLatency;

    /// <summary>The mean of <see cref="Latency"/> (the heartbeat's <c>delivery_latency_ms</c>); null before the first confirmation.</summary>
    public double? AverageLatencyMilliseconds => Latency.Count == 0 ? null : Latency.Sum * 1000 / Latency.Count;

    public string? LastError { get; init; }

    /// <summary>Time since delivery last made progress (confirmed something, or had nothing to send).</summary>
    public TimeSpan SinceProgress { get; init; }

    /// <summary>How long events may wait without any confirmation before the output counts as spooling.</summary>
    public static readonly TimeSpan SpoolingAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The remote is not taking events and the spool is holding them: the circuit is not closed, or nothing was
    /// confirmed for <see cref="SpoolingAfter"/> while events waited. What <c>/healthz</c> and the heartbeat call
    /// <c>spooling</c>.
    /// </summary>
    public bool Spooling => CircuitState != "closed" || SinceProgress >= SpoolingAfter;
}
