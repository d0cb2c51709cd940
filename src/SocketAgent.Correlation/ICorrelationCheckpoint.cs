using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// How the Kafka mode makes what it wrote and what it read durable together: <see cref="OffsetCommitter"/> commits
/// offsets after the lines are flushed (at least once), <see cref="TransactionalCheckpoint"/> commits the lines, the
/// written connections and the offsets in one Kafka transaction (exactly once). Called from the consumer's thread only.
/// </summary>
internal interface ICorrelationCheckpoint
{
    /// <summary>The group gave this member <paramref name="partitions"/>: where to start reading each (<see cref="Offset.Unset"/>: the committed offset).</summary>
    IEnumerable<TopicPartitionOffset> Assigned(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, List<TopicPartition> partitions);

    /// <summary>Makes what is written so far durable (periodically, before partitions are revoked, at the end).</summary>
    /// <param name="only">The partitions about to be revoked, when that is why; an implementation may commit more.</param>
    void Commit(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, long wallMilliseconds, IReadOnlyCollection<TopicPartition>? only = null);

    /// <summary>
    /// <paramref name="partitions"/> are no longer this member's and their pending connections were dropped: after a
    /// <see cref="Commit"/> (revoked), or without one (<paramref name="lost"/>: the session timed out, they may
    /// already be another member's).
    /// </summary>
    void Gone(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, List<TopicPartitionOffset> partitions, bool lost);
}
