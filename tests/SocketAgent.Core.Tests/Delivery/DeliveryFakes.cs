using System.Diagnostics;
using System.Collections.Concurrent;
using System.Text;
using SocketAgent.Delivery;

namespace SocketAgent.Tests.Delivery;

/// <summary>A spool in memory: the records, and the watermark the loop moves.</summary>
internal sealed class MemorySpool : IDeliverySpool
{
    private readonly List<DeliveryRecord> _records = [];
    private long _watermark;

    public MemorySpool(int count)
    {
        for (long i = 1; i <= count; i++)
        {
            _records.Add(new DeliveryRecord(i, "socket", null, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")));
        }
    }

    public long Watermark => Interlocked.Read(ref _watermark);

    public List<long> Acknowledged { get; } = [];

    /// <summary>When set, every acknowledgement is checked: the broker must hold (or have refused) all it covers.</summary>
    public FakeBroker? Broker { get; set; }

    /// <summary>Reads that throw an IOException before reads work again (a segment truncated under the spool).</summary>
    public int FailReads;

    public IReadOnlyList<DeliveryRecord> Read(long afterSequence, int maxRecords, int maxBytes)
    {
        if (Interlocked.Decrement(ref FailReads) >= 0)
        {
            throw new IOException("segment 00000001.seg: unexpected end of file");
        }
        lock (_records)
        {
            return _records.Where(r => r.Sequence > afterSequence).Take(maxRecords).ToList();
        }
    }

    public void Acknowledge(long upToSequence)
    {
        Assert.True(upToSequence > _watermark, "the watermark never moves backwards");
        if (Broker is not null)
        {
            var held = Broker.Received.ToHashSet();
            for (long s = _watermark + 1; s <= upToSequence; s++)
            {
                Assert.True(held.Contains(s) || Broker.Permanent.Contains(s), $"watermark {upToSequence} passed unconfirmed sequence {s}");
            }
        }
        Interlocked.Exchange(ref _watermark, upToSequence);
        lock (Acknowledged)
        {
            Acknowledged.Add(upToSequence);
        }
    }
}

/// <summary>
/// A remote output whose outcomes arrive on another thread, like librdkafka's delivery reports. It can fail a
/// sequence's first attempts, refuse one for good, throw a fatal error once, and bound its queue.
/// </summary>
internal sealed class FakeOutput : IRemoteOutput
{
    private readonly DeliveryCallback _callback;
    private readonly FakeBroker _broker;
    private readonly BlockingCollection<DeliveryRecord> _queue;
    private readonly Thread _thread;

    public FakeOutput(DeliveryCallback callback, FakeBroker broker)
    {
        _callback = callback;
        _broker = broker;
        _queue = new BlockingCollection<DeliveryRecord>(broker.QueueCapacity);
        _thread = new Thread(Run) { IsBackground = true };
        _thread.Start();
    }

    public string Name => "fake";

    public int InFlight => _queue.Count;

    public bool Produce(DeliveryRecord record)
    {
        if (Interlocked.Exchange(ref _broker.FatalOnNextProduce, 0) == 1)
        {
            throw new RemoteOutputFatalException("fenced (simulated)");
        }
        return _queue.TryAdd(record);
    }

    public int Flush(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (_queue.Count > 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }
        return _queue.Count;
    }

    private void Run()
    {
        foreach (DeliveryRecord record in _queue.GetConsumingEnumerable())
        {
            if (_broker.Delay > TimeSpan.Zero)
            {
                Thread.Sleep(_broker.Delay);
            }
            if (_broker.Permanent.Contains(record.Sequence))
            {
                _callback(record.Sequence, DeliveryOutcome.Permanent, "message too large (simulated)");
            }
            else if (_broker.Down || _broker.TakeFailure(record.Sequence))
            {
                _callback(record.Sequence, DeliveryOutcome.Retriable, "request timed out (simulated)");
            }
            else
            {
                _broker.Received.Enqueue(record.Sequence);
                _callback(record.Sequence, DeliveryOutcome.Persisted, null);
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
    }
}

/// <summary>What the fake outputs share: the broker's state and what it received.</summary>
internal sealed class FakeBroker
{
    private readonly ConcurrentDictionary<long, int> _failuresLeft = new();

    public ConcurrentQueue<long> Received { get; } = new();
    public HashSet<long> Permanent { get; } = [];
    public volatile bool Down;
    public int FatalOnNextProduce;
    public int QueueCapacity { get; init; } = 100_000;
    public TimeSpan Delay { get; set; }
    public int OutputsBuilt;

    public void FailFirstAttempts(long sequence, int attempts) => _failuresLeft[sequence] = attempts;

    public bool TakeFailure(long sequence)
    {
        while (_failuresLeft.TryGetValue(sequence, out int left) && left > 0)
        {
            if (_failuresLeft.TryUpdate(sequence, left - 1, left))
            {
                return true;
            }
        }
        return false;
    }

    public IRemoteOutput Build(DeliveryCallback callback)
    {
        Interlocked.Increment(ref OutputsBuilt);
        return new FakeOutput(callback, this);
    }
}

/// <summary>
/// A remote that models librdkafka's queue during an outage: records wait in order; while the remote is down the one
/// at the head fails once it is older than <see cref="Timeout"/> (message.timeout.ms), the ones behind it keep
/// waiting; when the remote comes back the queue is delivered from its head. The remote comes back on its own
/// <see cref="ReturnAfterFirstFailure"/> after the first failure. Disposing an output discards what it still holds,
/// as destroying a producer does. Producing takes <see cref="ProduceCost"/>, so a burst spans time.
/// </summary>
internal sealed class ExpiringBroker
{
    private long _firstFailureAt = -1;

    public ConcurrentQueue<long> Received { get; } = new();
    public required TimeSpan Timeout { get; init; }
    public required TimeSpan ReturnAfterFirstFailure { get; init; }
    public TimeSpan ProduceCost { get; init; }
    public int OutputsBuilt;

    public bool Down
    {
        get
        {
            long first = Interlocked.Read(ref _firstFailureAt);
            return first < 0 || Stopwatch.GetElapsedTime(first) < ReturnAfterFirstFailure;
        }
    }

    public void Failed() => Interlocked.CompareExchange(ref _firstFailureAt, Stopwatch.GetTimestamp(), -1);

    public IRemoteOutput Build(DeliveryCallback callback)
    {
        Interlocked.Increment(ref OutputsBuilt);
        return new ExpiringOutput(callback, this);
    }
}

internal sealed class ExpiringOutput : IRemoteOutput
{
    private readonly DeliveryCallback _callback;
    private readonly ExpiringBroker _broker;
    private readonly ConcurrentQueue<(DeliveryRecord Record, long ProducedAt)> _queue = new();
    private readonly Thread _thread;
    private volatile bool _disposed;
    private int _inFlight;

    public ExpiringOutput(DeliveryCallback callback, ExpiringBroker broker)
    {
        _callback = callback;
        _broker = broker;
        _thread = new Thread(Run) { IsBackground = true };
        _thread.Start();
    }

    public string Name => "expiring";

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool Produce(DeliveryRecord record)
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < _broker.ProduceCost)
        {
            Thread.SpinWait(20);
        }
        Interlocked.Increment(ref _inFlight);
        _queue.Enqueue((record, Stopwatch.GetTimestamp()));
        return true;
    }

    public int Flush(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (InFlight > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }
        return InFlight;
    }

    private void Run()
    {
        while (!_disposed)
        {
            if (!_queue.TryPeek(out (DeliveryRecord Record, long ProducedAt) head))
            {
                Thread.Sleep(1);
                continue;
            }
            if (!_broker.Down)
            {
                _queue.TryDequeue(out _);
                _broker.Received.Enqueue(head.Record.Sequence);
                Interlocked.Decrement(ref _inFlight);
                _callback(head.Record.Sequence, DeliveryOutcome.Persisted, null);
            }
            else if (Stopwatch.GetElapsedTime(head.ProducedAt) >= _broker.Timeout)
            {
                _queue.TryDequeue(out _);
                _broker.Failed();
                Interlocked.Decrement(ref _inFlight);
                _callback(head.Record.Sequence, DeliveryOutcome.Retriable, "message timed out (simulated)");
            }
            else
            {
                Thread.Sleep(1);
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _thread.Join();
    }
}
