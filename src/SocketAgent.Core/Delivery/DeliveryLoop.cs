using System.Collections.Concurrent;
using System.Diagnostics;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace SocketAgent.Delivery;

/// <summary>
/// Moves events from the durable spool to a remote output with at-least-once, ordered delivery: it produces the
/// records after its cursor, collects the outcomes, and moves the spool's watermark only over the contiguous
/// prefix the remote confirmed (<see cref="DeliveryOutcome.Persisted"/>). A record that could not be confirmed
/// rewinds the cursor to the watermark and the pass fails; the pass runs under a Polly pipeline — retry with
/// exponential backoff and jitter and no attempt limit (the spool holds the data), inside it a circuit breaker so
/// a dead cluster is not hammered. A fatal output error rebuilds the output and replays from the watermark.
/// Duplicates are possible after a rewind and are detectable by <c>event.id</c>; nothing is skipped silently —
/// a record refused for good (<see cref="DeliveryOutcome.Permanent"/>) is reported through the log callback and
/// counted, so one poisoned record cannot stop the stream.
/// </summary>
public sealed class DeliveryLoop : IDisposable
{
    private readonly IDeliverySpool _spool;
    private readonly Func<DeliveryCallback, IRemoteOutput> _outputFactory;
    private readonly DeliveryLoopOptions _options;
    private readonly Action<string> _log;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrentQueue<(long Sequence, DeliveryOutcome Outcome, string? Error)> _outcomes = new();
    private readonly Dictionary<long, long> _sentAt = [];
    private readonly HashSet<long> _done = [];
    // Sequences the spool does not hold (dropped when it was full, cut off at recovery, or spent on stdout-only
    // events before a remote output was configured): first → last of each run found between two records read.
    // Nothing will ever confirm them, so the watermark steps over them.
    private readonly Dictionary<long, long> _gaps = [];
    // Send → confirmation per confirmed send; written by the loop, snapshotted by any thread (the metrics scrape).
    private long _latencyCount;
    private long _latencyTicks; // TimeSpan ticks: a long, so concurrent adds stay exact
    private IRemoteOutput _output;
    private long _cursor;
    private long _watermark;
    // The watermark last handed to the spool, and when (null: never). The spool saves each hand-over with two
    // fsyncs: once per pass (up to 2 × 20 a second at 200,000 events/s) that was a third of the loop's time.
    private long _acknowledged;
    private long? _acknowledgedAt;
    private long _produced, _persisted, _retries, _rewinds, _rebuilds, _permanent;
    // Which output reports an outcome: the failures of one discarded at a rewind (DiscardQueued) are void.
    private int _generation;
    private string _circuit = "closed";
    private string? _lastError;
    // When delivery last made progress: the watermark moved, or a pass found nothing to send and nothing in flight.
    // A broker outage shows as this getting old while events wait, whatever the circuit does (librdkafka keeps
    // records queued for message.timeout.ms, so passes do not fail and the circuit may never open).
    private long _progressAt;

    public DeliveryLoop(IDeliverySpool spool, Func<DeliveryCallback, IRemoteOutput> outputFactory, DeliveryLoopOptions? options = null, Action<string>? log = null)
    {
        _spool = spool;
        _outputFactory = outputFactory;
        _options = options ?? new DeliveryLoopOptions();
        _log = log ?? (static _ => { });
        _acknowledged = _watermark = _cursor = spool.Watermark;
        _output = CreateOutput();
        _pipeline = BuildPipeline();
        _progressAt = _options.TimeProvider.GetTimestamp();
    }

    /// <summary>A snapshot of the counters (any thread).</summary>
    public DeliveryMetrics Metrics => new()
    {
        Produced = Interlocked.Read(ref _produced),
        Persisted = Interlocked.Read(ref _persisted),
        Retries = Interlocked.Read(ref _retries),
        Rewinds = Interlocked.Read(ref _rewinds),
        OutputRebuilds = Interlocked.Read(ref _rebuilds),
        PermanentFailures = Interlocked.Read(ref _permanent),
        Watermark = Interlocked.Read(ref _watermark),
        CircuitState = Volatile.Read(ref _circuit),
        LatencyCount = Interlocked.Read(ref _latencyCount),
        LatencySum = TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks)),
        LastError = Volatile.Read(ref _lastError),
        SinceProgress = _options.TimeProvider.GetElapsedTime(Interlocked.Read(ref _progressAt)),
    };

    /// <summary>
    /// Delivers until <paramref name="cancellationToken"/> is cancelled; then makes one last attempt (bounded by
    /// <see cref="DeliveryLoopOptions.DrainTimeout"/>) to send what the last cycles appended, so a clean stop leaves
    /// nothing behind when the output is healthy. Whatever is still unconfirmed stays in the spool for the next run.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _pipeline.ExecuteAsync(static (self, token) => self.PassAsync(token), this, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        DrainOnStop();
    }

    private void DrainOnStop()
    {
        try
        {
            if (Settle())
            {
                _cursor = _watermark;
            }
            long deadline = Environment.TickCount64 + (long)_options.DrainTimeout.TotalMilliseconds;
            IReadOnlyList<DeliveryRecord> batch;
            while (Environment.TickCount64 < deadline && (batch = _spool.Read(_cursor, _options.BatchRecords, _options.BatchBytes)).Count > 0)
            {
                foreach (DeliveryRecord record in batch)
                {
                    NoteGap(record.Sequence);
                    while (!_done.Contains(record.Sequence) && !_output.Produce(record))
                    {
                        if (Environment.TickCount64 >= deadline)
                        {
                            return;
                        }
                        _output.Flush(TimeSpan.FromMilliseconds(10));
                    }
                    _cursor = record.Sequence;
                }
            }
            _output.Flush(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)));
            Settle();
        }
        catch (RemoteOutputFatalException ex)
        {
            _log($"stopping: {ex.Message}; unconfirmed events stay in the spool for the next run");
        }
        finally
        {
            AcknowledgeSpool();
        }
    }


    /// <summary>
    /// A pass whose unexpected failure (a spool segment truncated under it, a bug) becomes a retried one: it must
    /// not end delivery for the agent's life, silently, with the spool filling up behind it.
    /// </summary>
    private async ValueTask PassAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PumpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or DeliveryRetryException or OutOfMemoryException))
        {
            string reason = $"{ex.GetType().Name}: {ex.Message}";
            Volatile.Write(ref _lastError, reason);
            _log($"delivery to {_output.Name} failed unexpectedly ({reason}); retrying from event.sequence {_watermark + 1}");
            ReplayFromWatermark();
            throw new DeliveryRetryException(reason, ex);
        }
    }

    /// <summary>
    /// One pass: send the batch after the cursor, wait for its outcomes, move the watermark. A pass succeeds when
    /// every record of it was confirmed (or refused for good) and fails when one was not — so the circuit breaker
    /// judges real delivery, and a failed pass resends from the watermark.
    /// </summary>
    private async ValueTask PumpAsync(CancellationToken cancellationToken)
    {
        // An outcome of the previous pass can arrive after that pass settled (the output took the record, the
        // callback came a moment later): a late "not confirmed" must rewind too, or the watermark would wait forever.
        if (Settle())
        {
            Rewind();
        }
        IReadOnlyList<DeliveryRecord> batch = _spool.Read(_cursor, _options.BatchRecords, _options.BatchBytes);
        if (batch.Count == 0 && _output.InFlight == 0)
        {
            // Caught up: everything confirmed so far becomes durable now, not at the next interval. The last outcomes
            // may have come after the Settle above (that is how InFlight fell to zero): settled first, so the hand-over
            // covers them instead of a second one following at the next pass.
            if (Settle())
            {
                Rewind();
            }
            AcknowledgeSpool();
            Interlocked.Exchange(ref _progressAt, _options.TimeProvider.GetTimestamp());
            await Task.Delay(_options.IdleWait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            return;
        }
        // Caught up with records still in flight, the batch is empty and the wait below is for all of them: the pass
        // (and the circuit breaker that counts passes) then reports what the remote did, not an idle success.

        int produced = 0;
        foreach (DeliveryRecord record in batch)
        {
            NoteGap(record.Sequence);
            if (_done.Contains(record.Sequence))
            {
                _cursor = record.Sequence; // confirmed before a rewind: no need to send it again
                continue;
            }
            try
            {
                while (!_output.Produce(record))
                {
                    // The output's bounded queue is full: backpressure, not an error. Let outcomes arrive.
                    _output.Flush(TimeSpan.FromMilliseconds(10));
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            catch (RemoteOutputFatalException ex)
            {
                RebuildOutput(ex);
                throw new DeliveryRetryException(ex.Message, ex);
            }
            _sentAt[record.Sequence] = Stopwatch.GetTimestamp();
            _cursor = record.Sequence;
            produced++;
            Interlocked.Increment(ref _produced);
        }

        // Judge the previous batch while this one is on its way: wait until only this pass's records are in flight.
        // Waiting for this batch's own outcomes emptied the pipe once per batch; not waiting at all made passes
        // succeed before any outcome came back, so the circuit breaker never saw a dead output. Records still in
        // flight after the timeout are not failures: the output reports every one (librdkafka within
        // message.timeout.ms), and resending them early would only pile duplicates into its queue on a slow link.
        // A record not confirmed ends the wait at once: the records queued behind it are discarded and resent in
        // order (Rewind) before a remote that comes back can deliver them ahead of it.
        long deadline = Environment.TickCount64 + (long)_options.DrainTimeout.TotalMilliseconds;
        while (_output.InFlight > produced && Environment.TickCount64 < deadline)
        {
            _output.Flush(TimeSpan.FromMilliseconds(1));
            if (!_outcomes.IsEmpty && Settle())
            {
                Rewind();
            }
        }
        if (Settle())
        {
            Rewind();
        }
    }

    /// <summary>Something was not confirmed: resend from the watermark (what was confirmed meanwhile is skipped).</summary>
    private void Rewind()
    {
        DiscardQueued();
        ReplayFromWatermark();
        Interlocked.Increment(ref _rewinds);
        throw new DeliveryRetryException(_lastError ?? "a record was not confirmed");
    }

    /// <summary>Applies the outcomes that arrived; returns true when one of them asks for a resend.</summary>
    private bool Settle()
    {
        bool rewind = false;
        long now = Stopwatch.GetTimestamp();
        while (_outcomes.TryDequeue(out (long Sequence, DeliveryOutcome Outcome, string? Error) outcome))
        {
            switch (outcome.Outcome)
            {
                case DeliveryOutcome.Persisted:
                    if (outcome.Sequence > _watermark && _done.Add(outcome.Sequence))
                    {
                        Interlocked.Increment(ref _persisted);
                    }
                    if (_sentAt.Remove(outcome.Sequence, out long sent))
                    {
                        TimeSpan latency = Stopwatch.GetElapsedTime(sent, now);
                        Interlocked.Add(ref _latencyTicks, latency.Ticks);
                        Interlocked.Increment(ref _latencyCount);
                        DeliveryTelemetry.Latency.Record(latency.TotalSeconds);
                    }
                    break;
                case DeliveryOutcome.Permanent:
                    // Never deliverable (too large, topic refused): say which, count it, let the stream go on.
                    Interlocked.Increment(ref _permanent);
                    Volatile.Write(ref _lastError, outcome.Error);
                    _log($"event.sequence {outcome.Sequence} refused for good by the output ({outcome.Error}); it will not be retried");
                    _done.Add(outcome.Sequence);
                    _sentAt.Remove(outcome.Sequence);
                    break;
                default:
                    Volatile.Write(ref _lastError, outcome.Error);
                    _sentAt.Remove(outcome.Sequence);
                    rewind |= outcome.Sequence > _watermark && !_done.Contains(outcome.Sequence);
                    break;
            }
        }

        long next = _watermark + 1;
        while (true)
        {
            if (_done.Remove(next))
            {
                next++;
            }
            else if (_gaps.Remove(next, out long last))
            {
                next = last + 1;
            }
            else
            {
                break;
            }
        }
        if (next - 1 > _watermark)
        {
            Interlocked.Exchange(ref _watermark, next - 1);
            Interlocked.Exchange(ref _progressAt, _options.TimeProvider.GetTimestamp());
        }
        if (rewind || _acknowledgedAt is not long at || _options.TimeProvider.GetElapsedTime(at) >= _options.AcknowledgeInterval)
        {
            AcknowledgeSpool();
        }
        return rewind;
    }

    /// <summary>
    /// Hands the watermark to the spool, which deletes the segments it covers and saves it (fsync). While the loop is
    /// behind this runs at most once per <see cref="DeliveryLoopOptions.AcknowledgeInterval"/>; at once when it caught
    /// up, when something was not confirmed, and when it stops.
    /// </summary>
    private void AcknowledgeSpool()
    {
        if (_watermark > _acknowledged)
        {
            _spool.Acknowledge(_watermark);
            _acknowledged = _watermark;
            _acknowledgedAt = _options.TimeProvider.GetTimestamp();
        }
    }

    /// <summary>The next pass reads from the watermark again; what was confirmed meanwhile is skipped there.</summary>
    private void ReplayFromWatermark()
    {
        AcknowledgeSpool(); // what was confirmed before the failure is saved before anything is resent
        _cursor = _watermark;
        _sentAt.Clear();
    }

    /// <summary>
    /// The spool returns the first record after the cursor, and appends only ever go above its last record: every
    /// sequence between the cursor and <paramref name="sequence"/> is absent from the spool for good.
    /// </summary>
    private void NoteGap(long sequence)
    {
        long first = Math.Max(_cursor, _watermark) + 1;
        if (sequence > first)
        {
            _gaps[first] = sequence - 1;
        }
    }

    private void RebuildOutput(Exception reason)
    {
        _log($"output {_output.Name} failed fatally ({reason.Message}); rebuilding it and replaying from event.sequence {_watermark + 1}");
        // Outcomes of the old output still queued are settled by the next pass; anything unconfirmed is resent.
        ReplaceOutput("disposing the failed output");
        ReplayFromWatermark();
        Interlocked.Increment(ref _rebuilds);
    }

    /// <summary>
    /// Before a resend from the watermark: records produced after the one that was not confirmed may still wait in the
    /// output's queue (librdkafka holds each for message.timeout.ms). Delivered once the remote is back, they would
    /// arrive before the resend of the older ones — the order broken, seen as "sequence 1 arrived after 8500" after
    /// an outage longer than the message timeout. The output is rebuilt, which discards its queue; the resend then
    /// goes out in order. Nothing is lost: every discarded record is above the watermark and is sent again.
    /// </summary>
    private void DiscardQueued()
    {
        if (_output.InFlight > 0)
        {
            ReplaceOutput("discarding the output's queue");
        }
    }

    /// <summary>Disposes the output (a failure to is logged, not thrown: the new one must come) and builds the next.</summary>
    private void ReplaceOutput(string disposing)
    {
        try
        {
            _output.Dispose();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _log($"{disposing}: {ex.Message}");
        }
        _output = CreateOutput();
    }

    /// <summary>A new output whose outcomes count until the next one replaces it (its confirmations count after that too).</summary>
    private IRemoteOutput CreateOutput()
    {
        int generation = Interlocked.Increment(ref _generation);
        return _outputFactory((sequence, outcome, error) =>
        {
            // A discarded output's failures are void: its queue was dropped on purpose and is being resent. What it
            // confirmed, or refused for good, is still true.
            if (outcome is DeliveryOutcome.Persisted or DeliveryOutcome.Permanent || generation == Volatile.Read(ref _generation))
            {
                _outcomes.Enqueue((sequence, outcome, error));
            }
        });
    }

    private ResiliencePipeline BuildPipeline()
    {
        PredicateBuilder<object> failures = new PredicateBuilder().Handle<DeliveryRetryException>().Handle<BrokenCircuitException>();
        return new ResiliencePipelineBuilder { TimeProvider = _options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = failures,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxDelay = _options.MaxRetryDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _retries);
                    // One line per attempt would flood the journal during an outage: log the first and then every 10th.
                    if (args.AttemptNumber % 10 == 0)
                    {
                        _log($"delivery to {_output.Name} failing ({args.Outcome.Exception?.Message}); attempt {args.AttemptNumber + 1} in {args.RetryDelay.TotalMilliseconds:0} ms");
                    }
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<DeliveryRetryException>(),
                FailureRatio = _options.BreakerFailureRatio,
                MinimumThroughput = _options.BreakerMinimumThroughput,
                SamplingDuration = _options.BreakerSamplingDuration,
                BreakDuration = _options.BreakDuration,
                OnOpened = args =>
                {
                    Volatile.Write(ref _circuit, "open");
                    _log($"delivery circuit to {_output.Name} opened for {args.BreakDuration.TotalSeconds:0} s: the output keeps failing; events stay in the spool");
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    Volatile.Write(ref _circuit, "half_open");
                    return default;
                },
                OnClosed = _ =>
                {
                    Volatile.Write(ref _circuit, "closed");
                    _log($"delivery circuit to {_output.Name} closed: delivering again");
                    return default;
                },
            })
            .Build();
    }

    public void Dispose() => _output.Dispose();
}

/// <summary>A delivery pass did not complete (a record unconfirmed, the output rebuilt): retried by the pipeline.</summary>
public sealed class DeliveryRetryException : Exception
{
    public DeliveryRetryException(string message, Exception? inner = null) : base(message, inner) { }
}
