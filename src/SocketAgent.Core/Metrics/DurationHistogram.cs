using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace SocketAgent.Metrics;

/// <summary>
/// Observations of a duration counted into fixed buckets, in seconds, as a Prometheus histogram: an observation
/// lands in the first bucket whose upper bound it does not exceed (Prometheus' <c>le</c>, inclusive), else in +Inf.
/// Any number of threads observe at once without a lock (one <see cref="Interlocked"/> add per bucket and per sum);
/// any thread takes a <see cref="Snapshot"/>. The sum is kept in <see cref="TimeSpan"/> ticks, a long, so concurrent
/// adds are exact and need no compare-and-swap loop over a double.
/// </summary>
public sealed class DurationHistogram
{
    /// <summary>From a tiny host's incremental cycle (a few ms) to a large one's full dump with /proc walks (seconds).</summary>
    public static ImmutableArray<double> CycleBounds { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// Send → confirmation: a local broker answers within a millisecond or two, a remote one in tens of ms; an
    /// outage held in the client's queue shows up in the seconds (up to librdkafka's message.timeout.ms scale).
    /// </summary>
    public static ImmutableArray<double> DeliveryLatencyBounds { get; } = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly ImmutableArray<double> _bounds;
    private readonly long[] _counts; // per bucket (not cumulative), the last one for +Inf
    private long _sumTicks;

    /// <param name="upperBounds">The finite upper bounds in seconds, strictly ascending; +Inf is implied.</param>
    /// <exception cref="ArgumentException">A bound is not finite, or the bounds do not ascend.</exception>
    public DurationHistogram(ImmutableArray<double> upperBounds)
    {
        for (int i = 0; i < upperBounds.Length; i++)
        {
            if (!double.IsFinite(upperBounds[i]) || (i > 0 && upperBounds[i] <= upperBounds[i - 1]))
            {
                throw new ArgumentException("histogram bounds must be finite and strictly ascending", nameof(upperBounds));
            }
        }
        _bounds = upperBounds;
        _counts = new long[upperBounds.Length + 1];
    }

    /// <summary>Counts one duration (a negative one as zero).</summary>
    public void Observe(TimeSpan duration)
    {
        long ticks = Math.Max(0, duration.Ticks);
        // TimeSpan's seconds are ticks / 10^7 correctly rounded, the same double as a bound's literal when the bound
        // is a whole number of ticks: a duration of exactly 2.5 ms counts in le="0.0025".
        double seconds = ticks / (double)TimeSpan.TicksPerSecond;
        int bucket = 0;
        while (bucket < _bounds.Length && seconds > _bounds[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumTicks, ticks);
    }

    /// <summary>
    /// The counts as of now. Each value is read atomically, not the set: an observation racing the snapshot can be
    /// in its bucket and not yet in the sum. The count is the buckets' total, so it always equals the +Inf bucket.
    /// </summary>
    public HistogramSnapshot Snapshot()
    {
        var counts = new long[_counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
        }
        double sum = Interlocked.Read(ref _sumTicks) / (double)TimeSpan.TicksPerSecond;
        return new HistogramSnapshot(_bounds, ImmutableCollectionsMarshal.AsImmutableArray(counts), sum);
    }
}
