namespace SocketAgent.Correlation;

/// <summary>
/// Joins the two ends of each TCP/UDP connection from the event streams of many agents. Keyed by community id and
/// transport; two ends pair when they come from different agents (or namespaces), their addresses mirror and their
/// lives overlap. A connection is written once: as soon as both ends closed, or one-sided/partial when
/// <see cref="CorrelationOptions.Wait"/> passed after an end closed. Input is at-least-once and unordered: events are
/// deduplicated by id, every update is an order-independent merge, and written connections are remembered.
/// State is bounded: open connections idle past the timeout are forgotten, the cap evicts the least recently active.
/// </summary>
internal sealed class CorrelationEngine
{
    private readonly CorrelationOptions _options;
    private readonly IConnectionSink _sink;
    private readonly ConnectionTable _entries = new();
    private readonly ActivityList _activity = new();
    private readonly PriorityQueue<ConnectionEntry, long> _dueByEventTime = new();
    private readonly PriorityQueue<ConnectionEntry, long> _dueByWallTime = new();
    private readonly RecentIdSet _recentIds;
    private readonly EmittedConnectionSet _emitted;
    private readonly ProcessOwner.Table _owners;
    private readonly OffsetTracker? _offsets;
    private readonly Action<string> _log;
    private readonly long _wait;
    private readonly long _skew;
    private readonly long _idle;
    private long _now = long.MinValue;
    private long _lastEvictionLog = long.MinValue;

    public CorrelationEngine(CorrelationOptions options, IConnectionSink sink, Action<string> log, OffsetTracker? offsets = null)
    {
        _options = options;
        _sink = sink;
        _log = log;
        _offsets = offsets;
        _wait = ToNanoseconds(options.Wait);
        _skew = ToNanoseconds(options.Skew);
        _idle = ToNanoseconds(options.IdleTimeout);
        _recentIds = new RecentIdSet(options.RecentEventIds);
        _emitted = new EmittedConnectionSet(options.EmittedConnections, ToNanoseconds(options.EmittedRetention), _skew);
        Interner = new Utf8Interner(options.InternedValues);
        _owners = new ProcessOwner.Table(options.InternedValues);
    }

    public CorrelationCounters Counters { get; } = new();

    public Utf8Interner Interner { get; }

    /// <summary>Connections held, waiting for an end or for their wait to pass.</summary>
    public int Pending => _activity.Count;

    /// <summary>Event time: the newest <c>@timestamp</c> read.</summary>
    public long Now => _now;

    /// <summary>Parses and joins one line; a bad line is counted (the caller decides how loudly to say so).</summary>
    public SocketEventParseResult ProcessLine(ReadOnlySpan<byte> line, SourcePosition position, long wallMilliseconds)
    {
        Counters.Lines++;
        var e = new ObservedSocketEvent();
        SocketEventParseResult result = SocketEventReader.Read(line, Interner, ref e, _recentIds);
        if (result == SocketEventParseResult.Connection)
        {
            Process(ref e, position, wallMilliseconds);
        }
        else if (result == SocketEventParseResult.Invalid)
        {
            Counters.Invalid++;
        }
        else
        {
            Counters.Ignored++;
        }
        if (!position.IsNone)
        {
            _offsets?.Consumed(position);
        }
        return result;
    }

    public void Process(ref ObservedSocketEvent e, SourcePosition position, long wallMilliseconds)
    {
        Counters.ConnectionEvents++;
        if (e.EventId != Guid.Empty && !_recentIds.Add(e.EventId))
        {
            Counters.DuplicateEvents++;
            return;
        }
        if (e.Timestamp > _now)
        {
            _now = e.Timestamp;
        }

        long start = e.Start != EventTimestamp.Unknown ? e.Start : e.Timestamp;
        long end = e.Action == ObservedAction.Closed ? (e.End != EventTimestamp.Unknown ? e.End : e.Timestamp) : EventTimestamp.Unknown;
        if (_emitted.Contains(e.Key, start, end == EventTimestamp.Unknown ? start : end))
        {
            Counters.LateEvents++;
            return;
        }

        (ConnectionEntry entry, ConnectionEnd target) = Find(ref e, start, end);
        if (!position.IsNone && entry.Partition < 0)
        {
            entry.Partition = position.Partition;
        }
        bool wasClosed = entry.AnyClosed;
        target.Apply(ref e, _owners);
        _activity.Touch(entry);
        if (!position.IsNone && _offsets is not null && entry.AnyClosed)
        {
            // Only connections with a closed end hold offsets back: they are written within --wait. An open one (a
            // long-lived connection) would hold the commit for days; after a restart its closed events, which carry
            // the start, the owner and the final counters, are enough to write it.
            Remember(entry, position);
        }

        if (entry.Complete)
        {
            Emit(entry);
        }
        else if (!wasClosed && entry.AnyClosed)
        {
            // The first close starts the wait for the far end (or, with no far end yet, for it to show up at all).
            // Only here, once per entry (a closed end stays closed): the queues hold its one due time each.
            _dueByEventTime.Enqueue(entry, SaturatingAdd(Math.Max(target.End, e.Timestamp), _wait));
            if (_options.WaitInWallTime)
            {
                _dueByWallTime.Enqueue(entry, wallMilliseconds + (long)_options.Wait.TotalMilliseconds);
            }
        }

        if (_activity.Count > _options.MaxConnections)
        {
            Evict();
        }
    }

    /// <summary>The entry and end this event belongs to: this agent's end already known, a free slot beside a mirroring far end, or a new entry.</summary>
    private (ConnectionEntry Entry, ConnectionEnd End) Find(ref ObservedSocketEvent e, long start, long end)
    {
        ConnectionEntry? head = _entries.Bucket(e.Key);
        for (ConnectionEntry? entry = head; entry is not null; entry = entry.NextInBucket)
        {
            if (entry.Key != e.Key)
            {
                continue;
            }
            if (entry.IsSameEnd(ref e) && entry.Overlaps(start, end, _skew))
            {
                return (entry, entry);
            }
            if (entry.B is { } b && b.IsSameEnd(ref e) && b.Overlaps(start, end, _skew))
            {
                return (entry, b);
            }
        }

        for (ConnectionEntry? entry = head; entry is not null; entry = entry.NextInBucket)
        {
            if (entry.Key == e.Key && entry.B is null && entry.Mirrors(ref e) && entry.Overlaps(start, end, _skew))
            {
                var created = new ConnectionEnd(ref e, _owners);
                entry.B = created;
                return (entry, created);
            }
        }

        var added = new ConnectionEntry(e.Key, ref e, _owners);
        _entries.Add(added);
        _activity.AddNewest(added);
        return (added, added);
    }

    private void Remember(ConnectionEntry entry, SourcePosition position)
    {
        entry.Positions ??= new List<SourcePosition>(2);
        for (int i = 0; i < entry.Positions.Count; i++)
        {
            SourcePosition held = entry.Positions[i];
            if (held.Partition == position.Partition)
            {
                if (position.Offset < held.Offset)
                {
                    // A replay brought an earlier event of this entry: hold the earlier offset instead.
                    _offsets!.Reference(position);
                    _offsets.Release(held);
                    entry.Positions[i] = position;
                }
                return;
            }
        }
        _offsets!.Reference(position);
        entry.Positions.Add(position);
    }

    /// <summary>
    /// Writes what waited long enough, forgets what idled too long. <paramref name="wallMilliseconds"/> is the wall
    /// clock (only used with <see cref="CorrelationOptions.WaitInWallTime"/>).
    /// </summary>
    public void Poll(long wallMilliseconds)
    {
        while (_dueByEventTime.TryPeek(out ConnectionEntry? entry, out long due) && due <= _now)
        {
            _dueByEventTime.Dequeue();
            if (!entry.Removed)
            {
                Emit(entry);
            }
        }
        while (_dueByWallTime.TryPeek(out ConnectionEntry? entry, out long due) && due <= wallMilliseconds)
        {
            _dueByWallTime.Dequeue();
            if (!entry.Removed)
            {
                Emit(entry);
            }
        }
        long idleBefore = _now == long.MinValue ? long.MinValue : _now - _idle;
        while (_activity.Oldest is { } oldest && oldest.LastActivity < idleBefore)
        {
            if (oldest.AnyClosed)
            {
                Emit(oldest);
            }
            else
            {
                Counters.Expired++;
                Remove(oldest);
            }
        }
        _emitted.Expire(_now);
    }

    /// <summary>
    /// Forgets, without writing them, the connections whose events came from the partition behind
    /// <paramref name="partition"/> (an <see cref="OffsetTracker"/> index): it was revoked or lost, its new owner reads
    /// it again from the committed offset — which no connection held here is past — and writes them. The recent event
    /// ids are forgotten too, so that if the partition comes back here its events are read again, not taken for
    /// duplicates of events whose state was just dropped. Returns how many connections were dropped.
    /// </summary>
    public int DropPartition(int partition)
    {
        var dropped = new List<ConnectionEntry>();
        for (ConnectionEntry? entry = _activity.Oldest; entry is not null; entry = entry.Newer)
        {
            if (entry.Partition == partition || (entry.Positions?.Exists(p => p.Partition == partition) ?? false))
            {
                dropped.Add(entry);
            }
        }
        foreach (ConnectionEntry entry in dropped)
        {
            Remove(entry);
        }
        _recentIds.Clear();
        return dropped.Count;
    }

    /// <summary>
    /// Takes a connection another member (or this one before a rewind) wrote, read back from the transactional state,
    /// as written: its events read again are dropped as late instead of writing it a second time.
    /// </summary>
    public void RestoreWritten(CommunityKey key, long start, long end) => _emitted.Add(key, start, end, _now);

    /// <summary>
    /// Forgets everything held — connections, their offsets, written connections and recent event ids — as if just
    /// started: a transaction was aborted, so what this member did since the last committed one is redone from the
    /// committed state. The counters stay.
    /// </summary>
    public void Reset()
    {
        while (_activity.Oldest is { } oldest)
        {
            Remove(oldest);
        }
        _dueByEventTime.Clear();
        _dueByWallTime.Clear();
        _recentIds.Clear();
        _emitted.Clear();
    }

    /// <summary>Writes everything still held (end of the files): one-sided, or open when no end closed.</summary>
    public void FlushAll()
    {
        while (_activity.Oldest is { } oldest)
        {
            Emit(oldest);
        }
        _sink.Flush();
    }

    private void Evict()
    {
        ConnectionEntry oldest = _activity.Oldest!;
        Counters.Evicted++;
        if (oldest.AnyClosed)
        {
            Emit(oldest); // what is known is written early rather than lost
        }
        else
        {
            Remove(oldest); // its closed events, which carry the whole story, still join later
        }
        if (_lastEvictionLog == long.MinValue || _now - _lastEvictionLog > 60_000_000_000L)
        {
            _lastEvictionLog = _now;
            _log($"more than {_options.MaxConnections} connections pending: evicting the least recently active ({Counters.Evicted} so far; raise --max-connections)");
        }
    }

    private void Emit(ConnectionEntry entry)
    {
        CorrelatedConnection connection = ConnectionRoles.Resolve(entry);
        _sink.Write(connection);
        if (connection.Sides == 2)
        {
            Counters.TwoSided++;
        }
        else
        {
            Counters.OneSided++;
        }
        _emitted.Add(entry.Key, connection.Start, connection.End, _now);
        Remove(entry);
    }

    private void Remove(ConnectionEntry entry)
    {
        entry.Removed = true;
        _activity.Remove(entry);
        _entries.Remove(entry);
        if (entry.Positions is not null)
        {
            foreach (SourcePosition position in entry.Positions)
            {
                _offsets!.Release(position);
            }
            entry.Positions = null;
        }
    }

    private static long ToNanoseconds(TimeSpan value) => value.Ticks * 100;

    private static long SaturatingAdd(long value, long add) => value > long.MaxValue - add ? long.MaxValue : value + add;
}
