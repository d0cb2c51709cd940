using SocketAgent.Events;

namespace SocketAgent.State;

/// <summary>
/// Hands out the per-event part of the envelope: <c>event.sequence</c> (+1 per emitted event, per agent, continued
/// across restarts from <see cref="AgentStateStore"/>) and <c>event.id</c> (a UUIDv7: unique, and sortable by
/// time). A number is handed out only once it is reserved on disk (<see cref="AgentStateStore.Reserve"/>): whatever
/// ends a run, the next one never issues it again.
/// Thread-safe: destroy notifications may be stamped on another thread than the cycle's.
/// </summary>
public sealed class EventSequencer
{
    private readonly TimeProvider _timeProvider;
    private readonly Func<long, long>? _reserve;
    private readonly Lock _reserving = new();
    private long _last;
    private long _reserved;

    /// <param name="lastSequence">The last sequence already used (0 on a fresh state directory): the next event gets this + 1.</param>
    /// <param name="timeProvider">The clock of the UUIDv7 event ids.</param>
    /// <param name="reserve">
    /// Called before a number beyond the current reservation is handed out, with that number; returns the new
    /// reservation (at least that number), persisted. Null: no reservation (tests, one-shot views).
    /// </param>
    public EventSequencer(long lastSequence, TimeProvider? timeProvider = null, Func<long, long>? reserve = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastSequence);
        _last = lastSequence;
        _reserved = reserve is null ? long.MaxValue : lastSequence;
        _reserve = reserve;
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
        EnsureReserved(lastSequence);
        long current;
        while ((current = Volatile.Read(ref _last)) < lastSequence && Interlocked.CompareExchange(ref _last, lastSequence, current) != current)
        {
        }
    }

    /// <summary>The next stamp: sequence + 1 and a fresh UUIDv7.</summary>
    public EventStamp Next()
    {
        long sequence = Interlocked.Increment(ref _last);
        EnsureReserved(sequence);
        return new EventStamp(NewVersion7(_timeProvider.GetUtcNow()), sequence);
    }

    /// <summary>
    /// A UUIDv7 as <see cref="Guid.CreateVersion7(DateTimeOffset)"/> makes it (48-bit Unix milliseconds, version 7,
    /// variant 10, 74 random bits), but its random bits come from <see cref="Random.Shared"/> (xoshiro256**, seeded
    /// from the OS once per thread) instead of the OS's generator per call, which costs a system call per event. An
    /// event id has to be unique, not unpredictable.
    /// </summary>
    internal static Guid NewVersion7(DateTimeOffset at)
    {
        ulong high = (ulong)Random.Shared.NextInt64();
        ulong low = (ulong)Random.Shared.NextInt64();
        long milliseconds = at.ToUnixTimeMilliseconds();
        return new Guid(
            (int)((ulong)milliseconds >> 16),
            (short)milliseconds,
            (short)((high & 0x0FFF) | 0x7000),
            (byte)((low & 0x3F) | 0x80),
            (byte)(low >> 8), (byte)(low >> 16), (byte)(low >> 24), (byte)(low >> 32), (byte)(low >> 40), (byte)(low >> 48),
            (byte)(high >> 16));
    }

    private void EnsureReserved(long sequence)
    {
        if (sequence <= Volatile.Read(ref _reserved))
        {
            return;
        }
        lock (_reserving)
        {
            if (sequence > _reserved)
            {
                Volatile.Write(ref _reserved, _reserve!(sequence));
            }
        }
    }
}
