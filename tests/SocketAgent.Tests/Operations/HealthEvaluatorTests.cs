using SocketAgent.Cli.Hosting;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Operations;

[Collection(nameof(AgentMetersCollection))]
public sealed class HealthEvaluatorTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private static MetricsSnapshot Snapshot(CycleMetrics? cycle = null, DateTimeOffset? lastSuccess = null, DateTimeOffset? lastDrop = null,
        DateTimeOffset? lastPermanent = null, DateTimeOffset? circuitSince = null, Dictionary<string, DateTimeOffset>? outputErrors = null) => new()
    {
        PublishedAt = s_now,
        AgentId = "id",
        Version = "1",
        StartedAt = s_now.AddMinutes(-10),
        Cycles = 5,
        FailedCycles = 0,
        LastSuccessAt = lastSuccess ?? s_now,
        Interval = s_interval,
        Cycle = cycle,
        LastSpoolDropAt = lastDrop,
        LastPermanentFailureAt = lastPermanent,
        CircuitNotClosedSince = circuitSince,
        LastOutputErrorAt = outputErrors ?? [],
    };

    private static CycleMetrics Cycle(string[] outputs, long spoolBytes = 0, long maxBytes = 1000, string circuit = "closed") => new()
    {
        Events = new Dictionary<string, long>(),
        SocketsTracked = 1,
        ProcessesTracked = 1,
        Namespaces = 1,
        FilteredOut = 0,
        Warnings = 0,
        Outputs = outputs,
        OutputErrors = new Dictionary<string, long>(),
        Spool = outputs.Contains("kafka") ? new SpoolStats(spoolBytes, 10, 1, 5, 15, 0, 0) : null,
        SpoolMaxBytes = maxBytes,
        Delivery = outputs.Contains("kafka") ? new DeliveryMetrics { CircuitState = circuit, LastError = "Local: Broker transport failure" } : null,
    };

    [Fact]
    public void Not_ready_before_the_first_snapshot()
    {
        HealthReport report = HealthEvaluator.Evaluate(null, s_interval, s_now);

        Assert.False(report.Ready);
        Assert.Equal(["the first snapshot is not out yet"], report.Reasons);
    }

    [Fact]
    public void Ready_with_healthy_outputs()
    {
        HealthReport report = HealthEvaluator.Evaluate(Snapshot(Cycle(["stdout", "kafka"], spoolBytes: 100)), s_interval, s_now);

        Assert.True(report.Ready);
        Assert.Empty(report.Reasons);
        Assert.Equal([new("stdout", "ok"), new("kafka", "ok")], report.Outputs);
    }

    [Fact]
    public void Not_ready_when_no_cycle_completed_for_three_intervals_and_30_seconds()
    {
        Assert.True(HealthEvaluator.Evaluate(Snapshot(Cycle(["stdout"]), lastSuccess: s_now.AddSeconds(-33)), s_interval, s_now).Ready);

        HealthReport stale = HealthEvaluator.Evaluate(Snapshot(Cycle(["stdout"]), lastSuccess: s_now.AddSeconds(-34)), s_interval, s_now);

        Assert.False(stale.Ready);
        Assert.StartsWith("no cycle completed for 34 s", Assert.Single(stale.Reasons));
    }

    [Fact]
    public void A_local_output_that_failed_within_the_last_minute_is_failing()
    {
        HealthReport failing = HealthEvaluator.Evaluate(
            Snapshot(Cycle(["stdout", "file"]), outputErrors: new() { ["file"] = s_now.AddSeconds(-59) }), s_interval, s_now);
        HealthReport recovered = HealthEvaluator.Evaluate(
            Snapshot(Cycle(["stdout", "file"]), outputErrors: new() { ["file"] = s_now.AddSeconds(-61) }), s_interval, s_now);

        Assert.False(failing.Ready);
        Assert.Contains(new KeyValuePair<string, string>("file", "failing"), failing.Outputs);
        Assert.StartsWith("output file failed to write", Assert.Single(failing.Reasons));
        Assert.True(recovered.Ready);
    }

    [Fact]
    public void Kafka_spooling_within_limits_is_ready_and_says_so()
    {
        HealthReport report = HealthEvaluator.Evaluate(
            Snapshot(Cycle(["kafka"], spoolBytes: 900, circuit: "open"), circuitSince: s_now.AddMinutes(-4)), s_interval, s_now);

        Assert.True(report.Ready);
        Assert.Equal([new("kafka", "spooling")], report.Outputs);
    }

    [Theory]
    [InlineData(950, null, null, null, "the kafka spool is full: 950 of 1000 bytes")]
    [InlineData(10, 30, null, null, "the kafka spool dropped events 30 s ago")]
    [InlineData(10, null, 5, null, "kafka refused events for good 5 s ago")]
    [InlineData(10, null, null, 301, "the kafka delivery circuit has been open for 301 s")]
    public void Kafka_is_failing_when_the_spool_is_full_losing_refused_or_the_circuit_stays_open(long bytes, int? dropAgo, int? permanentAgo, int? openFor, string reason)
    {
        MetricsSnapshot snapshot = Snapshot(Cycle(["kafka"], spoolBytes: bytes, circuit: openFor is null ? "closed" : "open"),
            lastDrop: dropAgo is int d ? s_now.AddSeconds(-d) : null,
            lastPermanent: permanentAgo is int p ? s_now.AddSeconds(-p) : null,
            circuitSince: openFor is int o ? s_now.AddSeconds(-o) : null);

        HealthReport report = HealthEvaluator.Evaluate(snapshot, s_interval, s_now);

        Assert.False(report.Ready);
        Assert.StartsWith(reason, Assert.Single(report.Reasons));
        Assert.Equal([new("kafka", "failing")], report.Outputs);
    }

    [Fact]
    public void Old_drops_and_refusals_no_longer_count()
    {
        HealthReport report = HealthEvaluator.Evaluate(
            Snapshot(Cycle(["kafka"]), lastDrop: s_now.AddSeconds(-61), lastPermanent: s_now.AddSeconds(-61)), s_interval, s_now);

        Assert.True(report.Ready);
    }

    [Fact]
    public void The_metrics_holder_notes_when_counters_grow_and_since_when_the_circuit_is_open()
    {
        using var metrics = new AgentMetrics(enabled: true);
        var cycle = new ScriptedSource();
        var time = new ManualTime(s_now);
        CycleContext context = NewContext(time);

        cycle.Next = Cycle(["file", "kafka"]);
        metrics.OnCycleEnded(context, cycle, completed: true, TimeSpan.FromMilliseconds(3));
        Assert.Null(metrics.Current!.LastSpoolDropAt);
        Assert.Null(metrics.Current.CircuitNotClosedSince);

        time.Now = s_now.AddSeconds(1);
        cycle.Next = WithKafka(Cycle(["file", "kafka"]), drops: 3, circuit: "open", fileErrors: 1);
        metrics.OnCycleEnded(context, cycle, completed: true, TimeSpan.FromMilliseconds(3));
        Assert.Equal(s_now.AddSeconds(1), metrics.Current!.LastSpoolDropAt);
        Assert.Equal(s_now.AddSeconds(1), metrics.Current.CircuitNotClosedSince);
        Assert.Equal(s_now.AddSeconds(1), metrics.Current.LastOutputErrorAt["file"]);

        time.Now = s_now.AddSeconds(2);
        cycle.Next = WithKafka(Cycle(["file", "kafka"]), drops: 3, circuit: "half_open", fileErrors: 1);
        metrics.OnCycleEnded(context, cycle, completed: false, TimeSpan.FromMilliseconds(3));
        Assert.Equal(s_now.AddSeconds(1), metrics.Current!.LastSpoolDropAt);         // no new drop
        Assert.Equal(s_now.AddSeconds(1), metrics.Current.CircuitNotClosedSince);    // still not closed
        Assert.Equal(s_now.AddSeconds(1), metrics.Current.LastSuccessAt);            // this cycle did not complete
        Assert.Equal(context.Options.Interval, metrics.Current.Interval);         // what staleness is judged by

        time.Now = s_now.AddSeconds(3);
        cycle.Next = WithKafka(Cycle(["file", "kafka"]), drops: 3, circuit: "closed", fileErrors: 1);
        metrics.OnCycleEnded(context, cycle, completed: true, TimeSpan.FromMilliseconds(3));
        Assert.Null(metrics.Current!.CircuitNotClosedSince);
    }

    [Fact]
    public void Off_it_publishes_nothing()
    {
        using var metrics = new AgentMetrics(enabled: false);

        metrics.OnCycleEnded(NewContext(new ManualTime(s_now)), new ScriptedSource { Next = Cycle(["stdout"]) }, completed: true, TimeSpan.Zero);

        Assert.Null(metrics.Current);
    }

    private static CycleMetrics WithKafka(CycleMetrics cycle, long drops, string circuit, long fileErrors) => new()
    {
        Events = cycle.Events,
        SocketsTracked = cycle.SocketsTracked,
        ProcessesTracked = cycle.ProcessesTracked,
        Namespaces = cycle.Namespaces,
        FilteredOut = cycle.FilteredOut,
        Warnings = cycle.Warnings,
        Outputs = cycle.Outputs,
        OutputErrors = new Dictionary<string, long> { ["file"] = fileErrors },
        Spool = cycle.Spool!.Value with { Drops = drops },
        SpoolMaxBytes = cycle.SpoolMaxBytes,
        Delivery = cycle.Delivery! with { CircuitState = circuit },
    };

    private static CycleContext NewContext(TimeProvider time) => new()
    {
        Options = new SocketAgent.Cli.Configuration.AgentOptions(),
        Identity = new SocketAgent.Events.AgentIdentity("agent", "eph", "1.0", null),
        Sequencer = null!,
        Output = Stream.Null,
        TimeProvider = time,
        Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        StartedAt = s_now,
    };

    private sealed class ScriptedSource : IAgentCycle, IMetricsSource
    {
        public CycleMetrics? Next { get; set; }

        public CycleMetrics CaptureMetrics() => Next!;

        public ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
