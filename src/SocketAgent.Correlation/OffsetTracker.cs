using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// Which Kafka offsets may be committed: per partition, the smallest offset still referenced by a pending connection
/// (its events must be read again after a restart), or past the last message consumed when nothing is pending there.
/// Only partitions this member owns now are ever offered: a revoked (or lost) partition's state is forgotten at once,
/// so nothing is committed for it again — its new owner commits from what it re-read, and a stale offset from here
/// would move that owner's position back, or past connections it still holds.
/// </summary>
internal sealed class OffsetTracker
{
    private readonly Dictionary<TopicPartition, int> _indexes = [];
    private readonly List<PartitionState> _partitions = [];

    public int IndexOf(TopicPartition partition)
    {
        if (!_indexes.TryGetValue(partition, out int index))
        {
            index = _partitions.Count;
            _indexes.Add(partition, index);
            _partitions.Add(new PartitionState(partition));
        }
        return index;
    }

    /// <summary>The group gave this member <paramref name="partition"/>: its offsets may be committed from now on.</summary>
    public void Assigned(TopicPartition partition) => _partitions[IndexOf(partition)].Owned = true;

    /// <summary>
    /// <paramref name="partition"/> was revoked or lost: what was read from it, what is held back in it and what was
    /// committed for it are forgotten, and it is not committed again unless it is assigned again.
    /// </summary>
    public void Revoked(TopicPartition partition)
    {
        if (_indexes.TryGetValue(partition, out int index))
        {
            _partitions[index] = new PartitionState(partition);
        }
    }

    /// <summary>Whether this member owns the partition behind <paramref name="index"/> (an index from <see cref="IndexOf"/>).</summary>
    public bool Owns(int index) => index >= 0 && index < _partitions.Count && _partitions[index].Owned;

    /// <summary>The partition behind <paramref name="index"/>.</summary>
    public TopicPartition PartitionAt(int index) => _partitions[index].Partition;

    /// <summary>The indexes of the partitions this member owns now.</summary>
    public IEnumerable<int> OwnedIndexes()
    {
        for (int i = 0; i < _partitions.Count; i++)
        {
            if (_partitions[i].Owned)
            {
                yield return i;
            }
        }
    }

    /// <summary>The last offset read from the partition behind <paramref name="index"/>, or -1.</summary>
    public long ConsumedOffset(int index) => _partitions[index].Consumed;

    /// <summary>
    /// The offset the partition's next reader must start at — the smallest one a pending connection still needs, else
    /// past the last one read — or -1 when nothing was read from it.
    /// </summary>
    public long NextOffset(int index)
    {
        PartitionState state = _partitions[index];
        return state.Consumed < 0 ? -1 : state.References.Count > 0 ? state.References.Keys.First() : state.Consumed + 1;
    }

    public void Consumed(SourcePosition position)
    {
        PartitionState state = _partitions[position.Partition];
        state.Consumed = Math.Max(state.Consumed, position.Offset);
    }

    public void Reference(SourcePosition position)
    {
        SortedDictionary<long, int> references = _partitions[position.Partition].References;
        references[position.Offset] = references.TryGetValue(position.Offset, out int count) ? count + 1 : 1;
    }

    public void Release(SourcePosition position)
    {
        SortedDictionary<long, int> references = _partitions[position.Partition].References;
        if (references.TryGetValue(position.Offset, out int count))
        {
            if (count <= 1)
            {
                references.Remove(position.Offset);
            }
            else
            {
                references[position.Offset] = count - 1;
            }
        }
    }

    /// <summary>
    /// The offsets to commit now: for each partition owned and read (of <paramref name="only"/>, when given), the next
    /// message its next reader must read.
    /// </summary>
    public List<TopicPartitionOffset> CommittableOffsets(IReadOnlyCollection<TopicPartition>? only = null)
    {
        var offsets = new List<TopicPartitionOffset>(_partitions.Count);
        for (int index = 0; index < _partitions.Count; index++)
        {
            PartitionState state = _partitions[index];
            if (!state.Owned || state.Consumed < 0 || (only is not null && !only.Contains(state.Partition)))
            {
                continue;
            }
            long next = NextOffset(index);
            if (next != state.Committed)
            {
                offsets.Add(new TopicPartitionOffset(state.Partition, new Offset(next)));
            }
        }
        return offsets;
    }

    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (TopicPartitionOffset offset in offsets)
        {
            if (_indexes.TryGetValue(offset.TopicPartition, out int index) && _partitions[index].Owned)
            {
                _partitions[index].Committed = offset.Offset.Value;
            }
        }
    }

    /// <summary>The smallest pending offset of a partition, or -1: for the tests and the log.</summary>
    public long SmallestReferenced(TopicPartition partition) =>
        _indexes.TryGetValue(partition, out int index) && _partitions[index].References.Count > 0 ? _partitions[index].References.Keys.First() : -1;

    private sealed class PartitionState(TopicPartition partition)
    {
        public TopicPartition Partition { get; } = partition;
        public SortedDictionary<long, int> References { get; } = [];
        public long Consumed { get; set; } = -1;
        public long Committed { get; set; } = -1;
        public bool Owned { get; set; }
    }
}
