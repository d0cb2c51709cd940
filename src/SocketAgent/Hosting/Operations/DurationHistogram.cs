namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// Bucket counts of a duration, in seconds, for a Prometheus histogram. One writer (the agent loop, between cycles);
/// readers get an immutable copy from <see cref="Snapshot"/>, taken by that same writer, so nothing is shared.
/// </summary>
internal sealed class DurationHistogram
{
    /// <summary>From a tiny host's incremental cycle (a few ms) to a large one's full dump with /proc walks (seconds).</summary>
    public static readonly double[] CycleBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private double _sum;

    public DurationHistogram(double[] upperBounds)
    {
        _bounds = upperBounds;
        _counts = new long[upperBounds.Length + 1];
    }

    public void Observe(TimeSpan duration)
    {
        double seconds = Math.Max(0, duration.TotalSeconds);
        int bucket = 0;
        while (bucket < _bounds.Length && seconds > _bounds[bucket])
        {
            bucket++;
        }
        _counts[bucket]++;
        _sum += seconds;
    }

    public HistogramSnapshot Snapshot() => new(_bounds, [.. _counts], _sum);
}

/// <summary>A histogram at one moment: <see cref="BucketCounts"/> per bucket (not cumulative), the last one for +Inf.</summary>
internal sealed record HistogramSnapshot(double[] UpperBounds, long[] BucketCounts, double Sum)
{
    public long Count => BucketCounts.Sum();
}
