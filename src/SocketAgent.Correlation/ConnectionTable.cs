namespace SocketAgent.Correlation;

/// <summary>
/// The pending entries by community id: a power-of-two array of buckets, each a chain through
/// <see cref="ConnectionEntry.NextInBucket"/>, newest first. Entries with the same key (a 5-tuple reused while the
/// earlier connection is still held) are in one chain in the order they were added.
/// </summary>
/// <remarks>
/// It replaced a <see cref="Dictionary{TKey, TValue}"/> of chain heads, whose slots (hash, next, 24-byte key, value)
/// cost ~58 bytes per open connection at its usual fill; this costs 8 to 16 (the link lives in the entry).
/// </remarks>
internal sealed class ConnectionTable
{
    private ConnectionEntry?[] _buckets = new ConnectionEntry?[1024];
    private int _count;

    /// <summary>The newest entry of the chain <paramref name="key"/> is in: walk on with <see cref="ConnectionEntry.NextInBucket"/> and skip other keys.</summary>
    public ConnectionEntry? Bucket(CommunityKey key) => _buckets[Index(key, _buckets.Length)];

    public void Add(ConnectionEntry entry)
    {
        if (_count >= _buckets.Length)
        {
            Grow();
        }
        ref ConnectionEntry? head = ref _buckets[Index(entry.Key, _buckets.Length)];
        entry.NextInBucket = head;
        head = entry;
        _count++;
    }

    public void Remove(ConnectionEntry entry)
    {
        ref ConnectionEntry? link = ref _buckets[Index(entry.Key, _buckets.Length)];
        while (link is not null)
        {
            if (ReferenceEquals(link, entry))
            {
                link = entry.NextInBucket;
                entry.NextInBucket = null;
                _count--;
                return;
            }
            link = ref link.NextInBucket;
        }
    }

    private void Grow()
    {
        var buckets = new ConnectionEntry?[_buckets.Length * 2];
        var tails = new ConnectionEntry?[buckets.Length];
        foreach (ConnectionEntry? head in _buckets)
        {
            // Appended at the tail, so entries of one key keep their newest-first order.
            for (ConnectionEntry? entry = head; entry is not null;)
            {
                ConnectionEntry? next = entry.NextInBucket;
                int index = Index(entry.Key, buckets.Length);
                entry.NextInBucket = null;
                if (tails[index] is { } tail)
                {
                    tail.NextInBucket = entry;
                }
                else
                {
                    buckets[index] = entry;
                }
                tails[index] = entry;
                entry = next;
            }
        }
        _buckets = buckets;
    }

    private static int Index(CommunityKey key, int length) => key.GetHashCode() & (length - 1);
}
