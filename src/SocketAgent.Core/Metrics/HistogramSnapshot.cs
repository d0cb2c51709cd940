using System.Collections.Immutable;

namespace SocketAgent.Metrics;

/// <summary>A <see cref="DurationHistogram"/> at one moment, immutable: safe to hand to any thread.</summary>
public sealed class HistogramSnapshot
{
    internal HistogramSnapshot(ImmutableArray<double> upperBounds, ImmutableArray<long> bucketCounts, double sum)
    {
        UpperBounds = upperBounds;
        BucketCounts = bucketCounts;
        Sum = sum;
        long count = 0;
        foreach (long bucket in bucketCounts)
        {
            count += bucket;
        }
        Count = count;
    }

    /// <summary>The finite upper bounds in seconds, ascending (+Inf is implied).</summary>
    public ImmutableArray<double> UpperBounds { get; }

    /// <summary>Per bucket, the observations in that bucket alone (not cumulative); one more than the bounds, the last for +Inf.</summary>
    public ImmutableArray<long> BucketCounts { get; }

    /// <summary>The observations' total, in seconds.</summary>
    public double Sum { get; }

    /// <summary>The observations counted (the +Inf bucket's cumulative count).</summary>
    public long Count { get; }

    /// <summary>Prometheus' <c>le</c> bucket <paramref name="bucket"/>: the observations at most <c>UpperBounds[bucket]</c> (the count past the last bound).</summary>
    public long CumulativeCount(int bucket)
    {
        long cumulative = 0;
        for (int i = 0; i <= bucket; i++)
        {
            cumulative += BucketCounts[i];
        }
        return cumulative;
    }
}
