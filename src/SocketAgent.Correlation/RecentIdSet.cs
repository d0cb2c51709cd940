namespace SocketAgent.Correlation;

/// <summary>
/// The last <c>capacity</c> event ids, to drop redelivered events (at-least-once input). First in, first out: an id
/// older than the window is forgotten — harmless, because applying an event twice merges to the same state and the
/// emitted-connection set catches what is already out.
/// </summary>
internal sealed class RecentIdSet
{
    private readonly HashSet<Guid> _ids;
    private readonly Queue<Guid> _order;
    private readonly int _capacity;

    public RecentIdSet(int capacity)
    {
        _capacity = capacity;
        _ids = new HashSet<Guid>(Math.Min(capacity, 1 << 16));
        _order = new Queue<Guid>(Math.Min(capacity, 1 << 16));
    }

    public int Count => _ids.Count;

    /// <summary>Forgets every id (a partition was revoked: its events may come back and must be read again).</summary>
    public void Clear()
    {
        _ids.Clear();
        _order.Clear();
    }

    /// <summary>False when <paramref name="id"/> was seen within the window.</summary>
    public bool Add(Guid id)
    {
        if (_capacity == 0)
        {
            return true;
        }
        if (!_ids.Add(id))
        {
            return false;
        }
        _order.Enqueue(id);
        if (_order.Count > _capacity)
        {
            _ids.Remove(_order.Dequeue());
        }
        return true;
    }
}
