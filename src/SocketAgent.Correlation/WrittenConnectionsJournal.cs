namespace SocketAgent.Correlation;

/// <summary>
/// Per input partition (an <see cref="OffsetTracker"/> index): the connections written in the open transaction, and
/// the state records already committed whose connections still matter to a next reader (it reads their events again,
/// or their far end may still come within the retention) — so each new state record can say where its partition's
/// relevant history starts (<see cref="WrittenConnectionsRecord.From"/>).
/// </summary>
internal sealed class WrittenConnectionsJournal
{
    private readonly List<PartitionJournal> _partitions = [];

    public void Written(int partition, in WrittenConnection connection) => At(partition).Pending.Add(connection);

    /// <summary>The connections written for <paramref name="partition"/> in the open transaction.</summary>
    public IReadOnlyList<WrittenConnection> Pending(int partition) =>
        partition < _partitions.Count ? _partitions[partition].Pending : [];

    /// <summary>The input offset the partition's last state record gave its next reader, or -1.</summary>
    public long LastNextOffset(int partition) => partition < _partitions.Count ? _partitions[partition].NextOffset : -1;

    /// <summary>
    /// The state-topic offset of the oldest record holding a connection written from an offset at or past
    /// <paramref name="nextOffset"/> or last seen at or after <paramref name="forgetBefore"/> (event time), or -1;
    /// records that hold none any more are forgotten (both bounds only grow while this member owns the partition).
    /// </summary>
    public long From(int partition, long nextOffset, long forgetBefore)
    {
        if (partition >= _partitions.Count)
        {
            return -1;
        }
        List<WrittenRecord> records = _partitions[partition].Records;
        records.RemoveAll(r => !r.Matters(nextOffset, forgetBefore));
        return records.Count > 0 ? records.Min(static r => r.StateOffset) : -1;
    }

    /// <summary>A state record of <paramref name="partition"/> was produced at <paramref name="stateOffset"/> in the transaction about to commit.</summary>
    public void Recorded(int partition, long stateOffset, long nextOffset)
    {
        PartitionJournal journal = At(partition);
        if (journal.Pending.Count > 0)
        {
            journal.Records.Add(WrittenRecord.Of(stateOffset, journal.Pending));
        }
        journal.Pending.Clear();
        journal.NextOffset = nextOffset;
    }

    /// <summary>What a reader found for <paramref name="partition"/> in the state topic: its records, oldest first.</summary>
    public void Restored(int partition, long nextOffset, IEnumerable<WrittenRecord> records)
    {
        PartitionJournal journal = At(partition);
        journal.Pending.Clear();
        journal.Records.Clear();
        journal.Records.AddRange(records);
        journal.NextOffset = nextOffset;
    }

    /// <summary>The partition was revoked, lost or rewound: nothing of it is kept.</summary>
    public void Forget(int partition)
    {
        if (partition < _partitions.Count)
        {
            _partitions[partition] = new PartitionJournal();
        }
    }

    private PartitionJournal At(int partition)
    {
        while (_partitions.Count <= partition)
        {
            _partitions.Add(new PartitionJournal());
        }
        return _partitions[partition];
    }

    private sealed class PartitionJournal
    {
        public List<WrittenConnection> Pending { get; } = [];

        public List<WrittenRecord> Records { get; } = [];

        public long NextOffset { get; set; } = -1;
    }
}

/// <summary>A committed state record, by what decides whether it still matters: the newest input offset and event time of its connections.</summary>
internal readonly record struct WrittenRecord(long StateOffset, long LastWrittenAt, long LastSeen)
{
    public static WrittenRecord Of(long stateOffset, IReadOnlyList<WrittenConnection> written)
    {
        long lastAt = -1, lastSeen = long.MinValue;
        foreach (WrittenConnection connection in written)
        {
            lastAt = Math.Max(lastAt, connection.Offset);
            lastSeen = Math.Max(lastSeen, connection.LastSeen);
        }
        return new WrittenRecord(stateOffset, lastAt, lastSeen);
    }

    /// <summary>Whether one of its connections still matters (<see cref="WrittenConnection.Matters"/>).</summary>
    public bool Matters(long nextOffset, long forgetBefore) => LastWrittenAt >= nextOffset || LastSeen >= forgetBefore;
}
