namespace SocketAgent.Delivery;

/// <summary>Options of <see cref="DeliveryLoop"/>.</summary>
public sealed class DeliveryLoopOptions
{
    /// <summary>Records sent per pass (the pass then waits for their outcomes). <value>The default is 10,000.</value></summary>
    public int BatchRecords { get; init; } = 10_000;

    /// <summary>Bytes read from the spool per pass. <value>The default is 4 MiB.</value></summary>
    public int BatchBytes { get; init; } = 4 << 20;

    /// <summary>How long to wait when there is nothing to send. <value>The default is 50 ms.</value></summary>
    public TimeSpan IdleWait { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>First retry delay; it doubles (with jitter) up to <see cref="MaxRetryDelay"/>. <value>The default is 250 ms.</value></summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two attempts. <value>The default is 30 s.</value></summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Failing share of attempts that opens the circuit. <value>The default is 0.5.</value></summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Attempts needed in the sampling window before the breaker judges. <value>The default is 10.</value></summary>
    public int BreakerMinimumThroughput { get; init; } = 10;

    /// <summary>The breaker's sampling window. <value>The default is 30 s.</value></summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit rests before one trial. <value>The default is 15 s.</value></summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a pass waits for its records' outcomes (later ones are settled by the next pass). <value>The default is 5 s.</value></summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// While the loop is behind, the longest time between two watermark hand-overs to the spool, which saves each one
    /// with two fsyncs (the file and its directory). The loop hands its watermark over at once when it has caught up,
    /// when a record was not confirmed or a pass failed, and when it stops; a crash (kill -9, power loss) while it is
    /// behind resends at most what was confirmed within this time, as duplicates with the same <c>event.id</c>
    /// (at-least-once). Zero hands over every move. <value>The default is 1 s.</value>
    /// </summary>
    public TimeSpan AcknowledgeInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
