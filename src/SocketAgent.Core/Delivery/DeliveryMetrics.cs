namespace SocketAgent.Delivery;

/// <summary>A delivery loop's counters for the heartbeat: what operators watch when a broker is slow or down.</summary>
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
    public double? AverageLatencyMilliseconds { get; init; }
    public string? LastError { get; init; }
}
