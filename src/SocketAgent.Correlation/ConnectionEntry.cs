namespace SocketAgent.Correlation;

/// <summary>
/// One connection being joined: up to two ends (A, the first seen, and B), its place in the activity list, and the
/// input positions its events came from (so offsets are committed only past it once it is out). Entries are found by
/// community id through <see cref="ConnectionTable"/>, whose chains run through <see cref="NextInBucket"/>.
/// </summary>
/// <remarks>
/// The entry is its own end A (every entry has one from the start): a one-sided connection, the state held longest,
/// is one object, not an entry and an end (an object header and a reference less).
/// </remarks>
internal sealed class ConnectionEntry : ConnectionEnd
{
    // The key as loose fields: a CommunityKey field takes 24 bytes aligned to 8, these 21 fill gaps beside the others.
    private readonly ulong _hash0, _hash1;
    private readonly uint _hash2;
    private readonly ConnectionTransport _transport;

    public ConnectionEntry(CommunityKey key, ref ObservedSocketEvent e, ProcessOwner.Table owners)
        : base(ref e, owners) => (_hash0, _hash1, _hash2, _transport) = (key.Hash0, key.Hash1, key.Hash2, key.Transport);

    public CommunityKey Key => new(_hash0, _hash1, _hash2, _transport);

    /// <summary>The first end seen: the entry itself.</summary>
    public ConnectionEnd A => this;

    public ConnectionEnd? B { get; set; }

    /// <summary>The next entry in this one's <see cref="ConnectionTable"/> bucket (a field: the table links through it by ref).</summary>
    public ConnectionEntry? NextInBucket;

    /// <summary>Event time of the newest event applied (for idle expiry): each end keeps its own, no copy here.</summary>
    public long LastActivity => Math.Max(LastTimestamp, B?.LastTimestamp ?? EventTimestamp.Unknown);

    /// <summary>
    /// Emitted or dropped: an entry is never reused, so this is all the due queues need to skip it (an entry is queued
    /// at most once per queue, at its first close, so a queued due time is always its current one; none is kept here).
    /// </summary>
    public bool Removed { get; set; }

    // The intrusive activity list (least recently active first): no node allocation per entry.
    public ConnectionEntry? Older { get; set; }
    public ConnectionEntry? Newer { get; set; }

    /// <summary>
    /// The partition (an <see cref="OffsetTracker"/> index) of the first event applied that came with a position, or
    /// -1: when that partition is revoked the entry is dropped, open or not, for its new owner rebuilds it.
    /// </summary>
    public int Partition { get; set; } = -1;

    /// <summary>Per partition, the smallest offset of an event applied; null until an event with a position came.</summary>
    public List<SourcePosition>? Positions { get; set; }

    public bool AnyClosed => Closed || (B?.Closed ?? false);

    public bool Complete => Closed && B is { Closed: true };
}
