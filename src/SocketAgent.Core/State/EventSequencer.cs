using SocketAgent.Events;

namespace SocketAgent.State;

/// <summary>
/// Hands out the per-event part of the envelope: <c>event.sequence</c> (+1 per emitted event, per agent, continued
/// across restarts from <see cref="AgentStateStore"/>) and <c>event.id</c> (a UUIDv7: unique, and sortable by
/// time, so a consumer can drop the duplicates a crash can cause — see <see cref="AgentStateStore"/>).
/// Thread-safe: destroy notifications may be stamped on another thread than the cycle's.
/// </summary>
public sealed class EventSequencer
{
    private readonly TimeProvider _timeProvider;
    private long _last;

    /// <param name="lastSequence">The last sequence already emitted (0 on a fresh state directory): the next event gets this + 1.</param>
    public EventSequencer(long lastSequence, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastSequence);
        _last = lastSequence;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The sequence of the last stamp handed out (what <see cref="AgentStateStore.SaveSequence"/> persists).</summary>
    public long Last => Volatile.Read(ref _last);

    /// <summary>
    /// Moves the sequence up to at least <paramref name="lastSequence"/> (never down): after a crash between a spool
    /// append and the save of the sequence file, the spool knows a later sequence than the file.
    /// </summary>
    public void AdvanceTo(long lastSequence)
    {
        long current;
        while ((current = Volatile.Read(ref _last)) < lastSequence && Interlocked.CompareExchange(ref _last, lastSequence, current) != current)
        {
        }
    }

    /// <summary>The next stamp: sequence + 1 and a fresh UUIDv7.</summary>
    public EventStamp Next()
    {
        long sequence = Interlocked.Increment(ref _last);
        return new EventStamp(Guid.CreateVersion7(_timeProvider.GetUtcNow()).ToString(), sequence);
    }
}
