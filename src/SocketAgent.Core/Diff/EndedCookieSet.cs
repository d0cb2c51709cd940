namespace SocketAgent.Diff;

/// <summary>
/// Cookies of sockets whose end was already reported, oldest forgotten first: a bounded set, so that a long-running
/// agent keeps no unbounded history. Removing a cookie leaves a stale entry in the order queue; stale entries are
/// skipped when they reach its front, and the queue is compacted when they pile up behind a long-lived entry.
/// </summary>
internal sealed class EndedCookieSet
{
    private readonly Dictionary<ulong, DateTimeOffset> _added = [];
    private readonly Queue<ulong> _order = new();
    private readonly int _capacity;

    public EndedCookieSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count => _added.Count;

    public bool Contains(ulong cookie) => _added.ContainsKey(cookie);

    public void Add(ulong cookie, DateTimeOffset at)
    {
        if (!_added.TryAdd(cookie, at))
        {
            return;
        }
        _order.Enqueue(cookie);
        while (_added.Count > _capacity)
        {
            _added.Remove(_order.Dequeue());
        }
        if (_order.Count > 2 * _capacity)
        {
            Compact();
        }
    }

    public bool Remove(ulong cookie) => _added.Remove(cookie);

    /// <summary>Forgets the cookies added before <paramref name="cutoff"/>.</summary>
    public void ForgetBefore(DateTimeOffset cutoff)
    {
        while (_order.TryPeek(out ulong cookie))
        {
            if (_added.TryGetValue(cookie, out DateTimeOffset at))
            {
                if (at >= cutoff)
                {
                    return;
                }
                _added.Remove(cookie);
            }
            _order.Dequeue();
        }
    }

    private void Compact()
    {
        int count = _order.Count;
        for (int i = 0; i < count; i++)
        {
            ulong cookie = _order.Dequeue();
            if (_added.ContainsKey(cookie))
            {
                _order.Enqueue(cookie);
            }
        }
    }
}
