namespace SocketAgent.Delivery;

/// <summary>A delivery loop's counters for the heartbeat and the operations endpoint: what operators watch when a broker is slow or down.</summary>
public sealed record DeliveryMetrics
{
    public long Produced { get; init; }
    public long Persisted { get; init; }
    public long Retries { get; init; }
    public long Rewinds { get; init; }
    public long OutputRebuilds { get; init; }
    public long PermanentFailures { get; init; }
    public long Watermark { get; init; }
    public string CircuitState { get; init; } = "closed";

    /// <summary>Confirmed sends timed since start (send → confirmation; the buckets are <see cref="DeliveryTelemetry.Latency"/>'s).</summary>
    public long LatencyCount { get; init; }

    /// <summary>The sum of those <see cref="LatencyCount"/> latencies.</summary>
    public TimeSpan LatencySum { get; init; }

    /// <summary>The mean latency (the heartbeat's <c>delivery_latency_ms</c>); null before the first confirmation.</summary>
    public double? AverageLatencyMilliseconds => LatencyCount == 0 ? null : LatencySum.TotalMilliseconds / LatencyCount;

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
