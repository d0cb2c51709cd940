using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// Which Kafka offsets may be committed: per partition, the smallest offset still referenced by a pending connection
/// (its events must be read again after a restart), or past the last message consumed when nothing is pending there.
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

    /// <summary>The offsets to commit now: for each partition read, the next message a restarted consumer must read.</summary>
    public List<TopicPartitionOffset> CommittableOffsets()
    {
        var offsets = new List<TopicPartitionOffset>(_partitions.Count);
        foreach (PartitionState state in _partitions)
        {
            if (state.Consumed < 0)
            {
                continue;
            }
            long next = state.References.Count > 0 ? state.References.Keys.First() : state.Consumed + 1;
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
            if (_indexes.TryGetValue(offset.TopicPartition, out int index))
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
    }
}
