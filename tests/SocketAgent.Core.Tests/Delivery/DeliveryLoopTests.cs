using System.Collections.Concurrent;
using SocketAgent.Delivery;

namespace SocketAgent.Tests.Delivery;

public sealed class DeliveryLoopTests
{
    private static readonly DeliveryLoopOptions s_fast = Fast(new DeliveryLoopOptions().AcknowledgeInterval, TimeSpan.FromSeconds(2));

    private static DeliveryLoopOptions Fast(TimeSpan acknowledgeInterval, TimeSpan drainTimeout) => new()
    {
        BatchRecords = 100,
        IdleWait = TimeSpan.FromMilliseconds(5),
        RetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(40),
        BreakerMinimumThroughput = 3,
        BreakerSamplingDuration = TimeSpan.FromSeconds(2),
        BreakDuration = TimeSpan.FromMilliseconds(500), // Polly's minimum
        DrainTimeout = drainTimeout,
        AcknowledgeInterval = acknowledgeInterval,
    };

    /// <summary>Runs the loop until the spool's watermark reaches <paramref name="last"/> (or 60 s pass: a loaded CI machine).</summary>
    private static async Task<DeliveryMetrics> RunUntil(DeliveryLoop loop, MemorySpool spool, long last, Action? whileRunning = null)
    {
        using var stop = new CancellationTokenSource();
        Task run = loop.RunAsync(stop.Token);
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        whileRunning?.Invoke();
        while (spool.Watermark < last && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        stop.Cancel();
        await run;
        return loop.Metrics;
    }

    private static void AssertEverySequenceArrived(FakeBroker broker, int count)
    {
        long[] received = broker.Received.ToArray();
        Assert.Equal(Enumerable.Range(1, count).Select(static i => (long)i), received.Distinct().Order());
    }

    [Fact]
    public async Task Delivers_everything_in_order_and_moves_the_watermark_over_it()
    {
        var spool = new MemorySpool(5_000);
        var broker = new FakeBroker();
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);

        DeliveryMetrics metrics = await RunUntil(loop, spool, 5_000);

        Assert.Equal(5_000, spool.Watermark);
        Assert.Equal(Enumerable.Range(1, 5_000).Select(static i => (long)i), broker.Received.ToArray());
        Assert.Equal(5_000, metrics.Persisted);
        Assert.Equal(0, metrics.Retries);
        Assert.NotNull(metrics.AverageLatencyMilliseconds);
    }

    [Fact]
    public async Task While_behind_the_spool_gets_the_watermark_at_most_once_per_interval_and_at_once_when_caught_up()
    {
        // The durable spool saves every watermark it is given with two fsyncs; handed over after every pass, that was a
        // third of the loop's time at 200,000 events/s. 5,000 records in passes of 100: behind until the last one.
        var spool = new MemorySpool(5_000);
        var broker = new FakeBroker();
        using var loop = new DeliveryLoop(spool, broker.Build, Fast(TimeSpan.FromHours(1), TimeSpan.FromSeconds(2)));

        DeliveryMetrics metrics = await RunUntil(loop, spool, 5_000);

        Assert.Equal(5_000, metrics.Watermark);
        Assert.Equal(5_000, spool.Watermark); // caught up: handed over at once, not an hour later
        // The first confirmation (no hand-over yet), then the catch-up: no pass in between. A pass that failed (a busy
        // host: retried, rewound or rebuilt) hands over what was confirmed before it is resent: at most one more each.
        Assert.True(spool.Acknowledged.Count >= 2 && spool.Acknowledged.Count <= 2 + metrics.Retries + metrics.OutputRebuilds,
            $"hand-overs at {string.Join(", ", spool.Acknowledged)}; {metrics}");
        Assert.True(spool.Acknowledged[0] < 5_000, $"first hand-over {spool.Acknowledged[0]}");

        // With no interval every move is handed over: about one per pass.
        var everyPass = new MemorySpool(5_000);
        using var eager = new DeliveryLoop(everyPass, new FakeBroker().Build, Fast(TimeSpan.Zero, TimeSpan.FromSeconds(2)));
        await RunUntil(eager, everyPass, 5_000);
        Assert.True(everyPass.Acknowledged.Count >= 10, $"{everyPass.Acknowledged.Count} hand-overs");
    }

    [Fact]
    public async Task A_stop_while_behind_hands_the_spool_everything_confirmed()
    {
        var spool = new MemorySpool(20_000);
        var broker = new FakeBroker { Delay = TimeSpan.FromMilliseconds(1) }; // ~1,000 records a second: behind for long
        using var loop = new DeliveryLoop(spool, broker.Build, Fast(TimeSpan.FromHours(1), TimeSpan.FromMilliseconds(200)));
        using var stop = new CancellationTokenSource();
        Task run = Task.Run(() => loop.RunAsync(stop.Token), TestContext.Current.CancellationToken); // busy: it would not yield
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (loop.Metrics.Watermark < spool.Watermark + 100 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.True(loop.Metrics.Watermark >= spool.Watermark + 100, $"the spool's watermark lags the loop's while it is behind: loop {loop.Metrics.Watermark}, spool {spool.Watermark} after {string.Join(", ", spool.Acknowledged)}; {loop.Metrics}");

        stop.Cancel();
        await run;

        long confirmed = loop.Metrics.Watermark;
        Assert.Equal(confirmed, spool.Watermark);
        Assert.True(confirmed < 20_000);
        Assert.Equal(Enumerable.Range(1, (int)confirmed).Select(static i => (long)i), broker.Received.Take((int)confirmed));
    }

    [Fact]
    public async Task Every_confirmed_record_is_one_latency_observation_in_the_histogram_and_the_average_is_their_mean()
    {
        var spool = new MemorySpool(300);
        var broker = new FakeBroker { Delay = TimeSpan.FromMilliseconds(1) };
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);
        Assert.Equal(0, loop.Metrics.LatencyCount);
        Assert.Null(loop.Metrics.AverageLatencyMilliseconds);
        // The histogram instrument is process-wide (other tests' loops may record too), so a listener of our own must
        // see at least every confirmation of this loop.
        long recorded = 0;
        double recordedSum = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, DeliveryTelemetry.Latency))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            Interlocked.Increment(ref recorded);
            lock (listener)
            {
                recordedSum += value;
            }
        });
        listener.Start();

        DeliveryMetrics metrics = await RunUntil(loop, spool, 300);

        Assert.Equal(300, metrics.Persisted);
        Assert.Equal(300, metrics.LatencyCount);
        Assert.True(metrics.LatencySum > TimeSpan.Zero);
        Assert.Equal(metrics.LatencySum.TotalMilliseconds / 300, metrics.AverageLatencyMilliseconds);
        Assert.True(Interlocked.Read(ref recorded) >= 300, $"{recorded} latencies recorded into the histogram");
        Assert.Equal("s", DeliveryTelemetry.Latency.Unit);
    }

    [Fact]
    public async Task An_unexpected_failure_is_logged_and_retried_instead_of_ending_delivery()
    {
        var spool = new MemorySpool(500) { FailReads = 3 };
        var broker = new FakeBroker();
        var log = new ConcurrentQueue<string>();
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast, log.Enqueue);

        DeliveryMetrics metrics = await RunUntil(loop, spool, 500);

        Assert.Equal(500, spool.Watermark);
        AssertEverySequenceArrived(broker, 500);
        Assert.True(metrics.Retries >= 3, $"retries {metrics.Retries}"); // the breaker may open after three failures: more retries, no more reads
        Assert.Equal(3, log.Count(static l => l.Contains("failed unexpectedly (IOException: segment 00000001.seg: unexpected end of file)")));
    }

    [Fact]
    public async Task An_unconfirmed_record_rewinds_to_the_watermark_and_is_retried_until_it_is_confirmed()
    {
        var broker = new FakeBroker();
        var spool = new MemorySpool(1_000) { Broker = broker };
        broker.FailFirstAttempts(400, 3);
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);

        DeliveryMetrics metrics = await RunUntil(loop, spool, 1_000);

        Assert.Equal(1_000, spool.Watermark);
        AssertEverySequenceArrived(broker, 1_000);
        Assert.True(metrics.Retries >= 3);
        Assert.True(metrics.Rewinds >= 3);
        // (MemorySpool checked on every acknowledgement that the watermark never passed an unconfirmed record.)
        Assert.Contains(spool.Acknowledged, static w => w < 400);
    }

    [Fact]
    public async Task A_fatal_output_error_rebuilds_the_output_and_replays_from_the_watermark()
    {
        var spool = new MemorySpool(2_000);
        var broker = new FakeBroker { FatalOnNextProduce = 1 };
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);

        DeliveryMetrics metrics = await RunUntil(loop, spool, 2_000);

        Assert.Equal(2_000, spool.Watermark);
        AssertEverySequenceArrived(broker, 2_000);
        Assert.Equal(2, broker.OutputsBuilt);
        Assert.Equal(1, metrics.OutputRebuilds);
    }

    [Fact]
    public async Task A_record_refused_for_good_is_reported_and_does_not_stop_the_stream()
    {
        var broker = new FakeBroker();
        var spool = new MemorySpool(300) { Broker = broker };
        broker.Permanent.Add(150);
        var log = new List<string>();
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast, message => { lock (log) log.Add(message); });

        DeliveryMetrics metrics = await RunUntil(loop, spool, 300);

        Assert.Equal(300, spool.Watermark);
        Assert.Equal(1, metrics.PermanentFailures);
        Assert.DoesNotContain(150L, broker.Received);
        Assert.Contains(log, static l => l.Contains("event.sequence 150") && l.Contains("too large"));
    }

    [Fact]
    public async Task A_bounded_output_queue_applies_backpressure_without_losing_anything()
    {
        var spool = new MemorySpool(3_000);
        var broker = new FakeBroker { QueueCapacity = 16 };
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);

        await RunUntil(loop, spool, 3_000);

        Assert.Equal(3_000, spool.Watermark);
        Assert.Equal(Enumerable.Range(1, 3_000).Select(static i => (long)i), broker.Received.ToArray());
    }

    [Fact]
    public async Task A_dead_output_opens_the_circuit_and_delivery_resumes_when_it_comes_back()
    {
        var spool = new MemorySpool(500);
        var broker = new FakeBroker { Down = true };
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);
        using var stop = new CancellationTokenSource();
        Task run = loop.RunAsync(stop.Token);

        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (loop.Metrics.CircuitState != "open" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.Equal("open", loop.Metrics.CircuitState);
        Assert.Equal(0, spool.Watermark); // nothing confirmed, nothing dropped: it all waits in the spool

        broker.Down = false;
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (spool.Watermark < 500 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        stop.Cancel();
        await run;

        Assert.Equal(500, spool.Watermark);
        AssertEverySequenceArrived(broker, 500);
        Assert.Equal("closed", loop.Metrics.CircuitState);
    }
    [Fact]
    public async Task After_an_outage_longer_than_the_timeout_nothing_queued_behind_a_failed_record_arrives_before_its_resend()
    {
        // 3,000 records produced over about 300 ms into a dead remote; the first fails after 200 ms, the remote is
        // back 100 ms later — while the records produced after the first 100 ms still wait in the output's queue.
        // Delivered then, they would arrive before the resend of the ones that failed: the loop must discard them.
        var spool = new MemorySpool(3_000);
        var broker = new ExpiringBroker
        {
            Timeout = TimeSpan.FromMilliseconds(200),
            ReturnAfterFirstFailure = TimeSpan.FromMilliseconds(100),
            ProduceCost = TimeSpan.FromMicroseconds(100),
        };
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);

        await RunUntil(loop, spool, 3_000);

        Assert.Equal(3_000, spool.Watermark);
        // First arrivals in order, every one of them: duplicates may follow, a later record may not come first.
        long[] first = [.. broker.Received.Distinct()];
        Assert.Equal(Enumerable.Range(1, 3_000).Select(static i => (long)i), first);
        Assert.True(broker.OutputsBuilt >= 2, "the output holding the queue was not discarded");
    }
}
