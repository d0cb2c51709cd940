using System.Buffers.Binary;

namespace SocketAgent.Correlation;

/// <summary>One connection written to the output topic: what identifies it, and the input offset read when it was written.</summary>
internal readonly record struct WrittenConnection(CommunityKey Key, long Start, long End, long Offset)
{
    /// <summary>When it was last active (event time): its end, or its start while open.</summary>
    public long LastSeen => End != EventTimestamp.Unknown ? End : Start;

    /// <summary>
    /// Whether a partition's next reader must take it as written: it reads its events again (written from an offset at
    /// or past <paramref name="nextOffset"/>), or its far end may still come (last seen at or after
    /// <paramref name="forgetBefore"/>, event time).
    /// </summary>
    public bool Matters(long nextOffset, long forgetBefore) => Offset >= nextOffset || LastSeen >= forgetBefore;
}

/// <summary>
/// The transactional state of one input partition, as one record in the state topic, committed in the same Kafka
/// transaction as the lines it speaks of and the input offsets. <see cref="NextOffset"/> is where the partition's next
/// reader starts (the smallest offset a pending connection still needs); <see cref="Written"/> are the connections
/// written in that transaction; <see cref="EventTime"/> is the join's event time then; <see cref="From"/> is the
/// state-topic offset of the oldest record whose connections still matter, or -1 when no earlier record does. Those
/// that matter were written from offsets at or past <see cref="NextOffset"/> (the next reader reads their events
/// again), or ended within the written-connection retention (a far end's events may still come, late). Binary,
/// big-endian, versioned: a record from a newer writer is refused, not misread.
/// </summary>
internal sealed class WrittenConnectionsRecord
{
    private const byte Version = 1;
    private const int HeaderLength = 1 + 8 + 8 + 8 + 4;
    private const int EntryLength = 8 + 8 + 4 + 1 + 8 + 8 + 8;

    public required long NextOffset { get; init; }

    public required long From { get; init; }

    /// <summary>The newest event time (ns since the epoch) the join had read when the record was committed.</summary>
    public required long EventTime { get; init; }

    public required IReadOnlyList<WrittenConnection> Written { get; init; }

    public byte[] Encode()
    {
        byte[] bytes = new byte[HeaderLength + Written.Count * EntryLength];
        Span<byte> span = bytes;
        span[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], NextOffset);
        BinaryPrimitives.WriteInt64BigEndian(span[9..], From);
        BinaryPrimitives.WriteInt64BigEndian(span[17..], EventTime);
        BinaryPrimitives.WriteInt32BigEndian(span[25..], Written.Count);
        int at = HeaderLength;
        foreach (WrittenConnection written in Written)
        {
            Span<byte> entry = span.Slice(at, EntryLength);
            BinaryPrimitives.WriteUInt64BigEndian(entry, written.Key.Hash0);
            BinaryPrimitives.WriteUInt64BigEndian(entry[8..], written.Key.Hash1);
            BinaryPrimitives.WriteUInt32BigEndian(entry[16..], written.Key.Hash2);
            entry[20] = (byte)written.Key.Transport;
            BinaryPrimitives.WriteInt64BigEndian(entry[21..], written.Start);
            BinaryPrimitives.WriteInt64BigEndian(entry[29..], written.End);
            BinaryPrimitives.WriteInt64BigEndian(entry[37..], written.Offset);
            at += EntryLength;
        }
        return bytes;
    }

    /// <summary>Reads a record back; false (and <paramref name="record"/> null) for anything this version did not write.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out WrittenConnectionsRecord? record)
    {
        record = null;
        if (bytes.Length < HeaderLength || bytes[0] != Version)
        {
            return false;
        }
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes[25..]);
        if (count < 0 || bytes.Length != HeaderLength + (long)count * EntryLength)
        {
            return false;
        }
        var written = new WrittenConnection[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = bytes.Slice(HeaderLength + i * EntryLength, EntryLength);
            var transport = (ConnectionTransport)entry[20];
            if (transport is not (ConnectionTransport.Tcp or ConnectionTransport.Udp))
            {
                return false;
            }
            var key = new CommunityKey(BinaryPrimitives.ReadUInt64BigEndian(entry), BinaryPrimitives.ReadUInt64BigEndian(entry[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(entry[16..]), transport);
            written[i] = new WrittenConnection(key, BinaryPrimitives.ReadInt64BigEndian(entry[21..]),
                BinaryPrimitives.ReadInt64BigEndian(entry[29..]), BinaryPrimitives.ReadInt64BigEndian(entry[37..]));
        }
        record = new WrittenConnectionsRecord
        {
            NextOffset = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]),
            From = BinaryPrimitives.ReadInt64BigEndian(bytes[9..]),
            EventTime = BinaryPrimitives.ReadInt64BigEndian(bytes[17..]),
            Written = written,
        };
        return true;
    }
}
