namespace SocketAgent.Correlation;

/// <summary>Where an event was read: a Kafka partition (an index given by <see cref="OffsetTracker"/>) and offset; files have none.</summary>
internal readonly record struct SourcePosition(int Partition, long Offset)
{
    public static readonly SourcePosition None = new(-1, -1);

    public bool IsNone => Partition < 0;
}
