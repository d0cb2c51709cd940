namespace SocketAgent.Correlation;

/// <summary>
/// The connections already written, by community id and lifetime, so nothing is written twice: the far end's events
/// arriving after a one-sided line, a redelivered closed event, a replay after a rebalance. Bounded in count and in
/// event time (<c>retention</c> after the connection's end); a reused 5-tuple whose life starts after the written one
/// ended is a new connection.
/// </summary>
internal sealed class EmittedConnectionSet
{
    private readonly Dictionary<CommunityKey, (long Start, long End)> _emitted = [];
    private readonly Queue<(CommunityKey Key, long Start, long Expires)> _order = new();
    private readonly int _capacity;
    private readonly long _retention;
    private readonly long _skew;

    public EmittedConnectionSet(int capacity, long retentionNanoseconds, long skewNanoseconds)
    {
        _capacity = capacity;
        _retention = retentionNanoseconds;
        _skew = skewNanoseconds;
    }

    public int Count => _emitted.Count;

    public void Add(CommunityKey key, long start, long end, long now)
    {
        _emitted[key] = (start, end);
        long last = end == EventTimestamp.Unknown ? Math.Max(start, now) : end;
        _order.Enqueue((key, start, last > long.MaxValue - _retention ? long.MaxValue : last + _retention));
        while (_emitted.Count > _capacity && _order.TryDequeue(out var oldest))
        {
            Forget(oldest.Key, oldest.Start);
        }
    }

    public void Clear()
    {
        _emitted.Clear();
        _order.Clear();
    }

    /// <summary>Whether an event of life [<paramref name="start"/>, <paramref name="end"/>] belongs to a connection already written.</summary>
    public bool Contains(CommunityKey key, long start, long end) =>
        _emitted.TryGetValue(key, out var span) && ConnectionEnd.OverlapCheck(span.Start, span.End, start, end, _skew);

    /// <summary>Forgets what ended more than the retention before <paramref name="now"/> (event time).</summary>
    public void Expire(long now)
    {
        while (_order.TryPeek(out var oldest) && oldest.Expires < now)
        {
            _order.Dequeue();
            Forget(oldest.Key, oldest.Start);
        }
    }

    private void Forget(CommunityKey key, long start)
    {
        // The key may have been written again since (a reused 5-tuple): only the record this queue entry made goes.
        if (_emitted.TryGetValue(key, out var span) && span.Start == start)
        {
            _emitted.Remove(key);
        }
    }
}
