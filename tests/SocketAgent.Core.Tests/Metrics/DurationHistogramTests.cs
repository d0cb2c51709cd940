using System.Collections.Immutable;
using SocketAgent.Metrics;

namespace SocketAgent.Tests.Metrics;

public sealed class DurationHistogramTests
{
    private static TimeSpan Seconds(double seconds) => TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    [Fact]
    public void A_duration_equal_to_a_bound_counts_in_that_bucket_and_one_tick_more_in_the_next()
    {
        ImmutableArray<double> bounds = DurationHistogram.DeliveryLatencyBounds;
        for (int i = 0; i < bounds.Length; i++)
        {
            var histogram = new DurationHistogram(bounds);
            histogram.Observe(Seconds(bounds[i]));
            histogram.Observe(Seconds(bounds[i]) + TimeSpan.FromTicks(1));

            HistogramSnapshot snapshot = histogram.Snapshot();
            long[] expected = new long[bounds.Length + 1];
            expected[i] = 1;
            expected[i + 1] = 1;
            Assert.Equal(expected, snapshot.BucketCounts);
            Assert.Equal(1, snapshot.CumulativeCount(i));
            Assert.Equal(2, snapshot.CumulativeCount(i + 1));
        }
    }

    [Fact]
    public void Buckets_are_cumulative_the_last_one_is_the_count_and_the_sum_is_exact()
    {
        var histogram = new DurationHistogram([0.01, 0.1, 1]);
        foreach (double seconds in (double[])[0, 0.005, 0.01, 0.05, 0.5, 0.5, 1, 7])
        {
            histogram.Observe(Seconds(seconds));
        }
        histogram.Observe(TimeSpan.FromSeconds(-3)); // a negative duration counts as zero

        HistogramSnapshot snapshot = histogram.Snapshot();
        Assert.Equal([0.01, 0.1, 1], snapshot.UpperBounds);
        Assert.Equal([4, 1, 3, 1], snapshot.BucketCounts);
        Assert.Equal([4, 5, 8, 9], Enumerable.Range(0, 4).Select(snapshot.CumulativeCount));
        Assert.Equal(9, snapshot.Count);
        Assert.Equal(9.065, snapshot.Sum, 12);
    }

    [Fact]
    public void A_snapshot_does_not_change_when_the_histogram_does()
    {
        var histogram = new DurationHistogram([1]);
        HistogramSnapshot empty = histogram.Snapshot();
        histogram.Observe(TimeSpan.FromSeconds(2));

        Assert.Equal(0, empty.Count);
        Assert.Equal(0, empty.Sum);
        Assert.Equal([0, 0], empty.BucketCounts);
        Assert.Equal(1, histogram.Snapshot().Count);
    }

    [Fact]
    public void Concurrent_observations_from_several_threads_add_up_exactly()
    {
        const int threads = 4, perThread = 200_000;
        var histogram = new DurationHistogram(DurationHistogram.DeliveryLatencyBounds);
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                // Thread t observes (i % 3 + t) ms: every thread hits buckets the others hit too.
                histogram.Observe(TimeSpan.FromMilliseconds(i % 3 + t));
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        HistogramSnapshot snapshot = histogram.Snapshot();
        Assert.Equal(threads * perThread, snapshot.Count);
        long expectedMs = 0;
        var expectedBuckets = new long[DurationHistogram.DeliveryLatencyBounds.Length + 1];
        for (int t = 0; t < threads; t++)
        {
            for (int r = 0; r < 3; r++)
            {
                long observations = Enumerable.Range(0, perThread).Count(i => i % 3 == r);
                int ms = r + t;
                expectedMs += observations * ms;
                int bucket = DurationHistogram.DeliveryLatencyBounds.IndexOf(DurationHistogram.DeliveryLatencyBounds.First(b => ms / 1000.0 <= b));
                expectedBuckets[bucket] += observations;
            }
        }
        Assert.Equal(expectedBuckets, snapshot.BucketCounts);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs).Ticks, Seconds(snapshot.Sum).Ticks);
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.1 })]
    [InlineData(new[] { 1.0, 0.5 })]
    [InlineData(new[] { 1.0, double.PositiveInfinity })]
    [InlineData(new[] { double.NaN })]
    public void Bounds_that_are_not_finite_and_strictly_ascending_are_refused(double[] bounds)
    {
        Assert.Throws<ArgumentException>(() => new DurationHistogram([.. bounds]));
    }
}
