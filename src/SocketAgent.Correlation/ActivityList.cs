namespace SocketAgent.Correlation;

/// <summary>
/// Pending entries ordered by last activity, least recent first: the idle expiry reads from the old end and the cap
/// evicts from it, both in O(1) per entry. Intrusive (the links live in the entries).
/// </summary>
internal sealed class ActivityList
{
    public ConnectionEntry? Oldest { get; private set; }
    private ConnectionEntry? _newest;

    public int Count { get; private set; }

    public void AddNewest(ConnectionEntry entry)
    {
        entry.Older = _newest;
        entry.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = entry;
        }
        else
        {
            Oldest = entry;
        }
        _newest = entry;
        Count++;
    }

    public void Remove(ConnectionEntry entry)
    {
        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else
        {
            Oldest = entry.Newer;
        }
        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else
        {
            _newest = entry.Older;
        }
        entry.Older = entry.Newer = null;
        Count--;
    }

    public void Touch(ConnectionEntry entry)
    {
        if (!ReferenceEquals(entry, _newest))
        {
            Remove(entry);
            AddNewest(entry);
        }
    }
}
