using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// Commits the committable offsets of the partitions this member owns, after flushing the written lines — never the
/// other way round. A commit refused because the group moved on (a stale generation, a rebalance in progress, this
/// member no longer known) is dropped, not retried: the offsets it carried may no longer be this member's to commit,
/// and the next commit after the rebalance is computed afresh from what is owned and held then. Until a rebalance
/// callback says the group settled (or a session timeout passed), no commit is tried. Said once per run.
/// </summary>
internal sealed class OffsetCommitter(IConnectionSink sink, OffsetTracker offsets, Action<string> warn, long sessionTimeoutMilliseconds)
    : ICorrelationCheckpoint
{
    private readonly HashSet<ErrorCode> _reported = [];
    private long _resumeAt = long.MinValue;
    private bool _saidStale;

    /// <summary>A rebalance callback ran: the group settled on a generation, commits may go again.</summary>
    public void Rebalanced() => _resumeAt = long.MinValue;

    /// <summary>Reading starts at the committed offset (librdkafka fetches it): the new owner rebuilds what the previous one held from there.</summary>
    public IEnumerable<TopicPartitionOffset> Assigned(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, List<TopicPartition> partitions)
    {
        Rebalanced();
        partitions.ForEach(offsets.Assigned);
        return partitions.Select(static p => new TopicPartitionOffset(p, Offset.Unset));
    }

    public void Commit(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, long wallMilliseconds, IReadOnlyCollection<TopicPartition>? only = null)
    {
        if (only is not null)
        {
            Rebalanced(); // a revocation callback: the group's generation is settled, the last commit for them goes
        }
        Commit(consumer, wallMilliseconds, only);
    }

    public void Gone(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, List<TopicPartitionOffset> partitions, bool lost) => Rebalanced();

    /// <param name="consumer">The group member.</param>
    /// <param name="wallMilliseconds">Now, to end the pause after a stale commit if no rebalance callback comes.</param>
    /// <param name="only">Commit only these partitions (the ones being revoked), or all owned ones.</param>
    public void Commit(IConsumer<Ignore, byte[]> consumer, long wallMilliseconds, IReadOnlyCollection<TopicPartition>? only = null)
    {
        sink.Flush();
        if (wallMilliseconds < _resumeAt)
        {
            return;
        }
        List<TopicPartitionOffset> committable = offsets.CommittableOffsets(only);
        if (committable.Count == 0)
        {
            return;
        }
        try
        {
            consumer.Commit(committable);
            offsets.Committed(committable);
        }
        catch (KafkaException ex) when (IsStale(ex))
        {
            _resumeAt = wallMilliseconds + sessionTimeoutMilliseconds;
            if (!_saidStale)
            {
                _saidStale = true;
                warn($"kafka: commit dropped, the group is rebalancing ({ex.Error.Reason}); the first commit after the rebalance carries this member's offsets (said once)");
            }
        }
        catch (KafkaException ex)
        {
            if (_reported.Add(ex.Error.Code))
            {
                warn($"kafka: commit failed ({ex.Error.Reason}); the next commit carries the offsets (said once per kind)");
            }
        }
    }

    /// <summary>Whether the commit was refused because this member's view of the group is out of date.</summary>
    public static bool IsStale(KafkaException ex)
    {
        if (IsStale(ex.Error.Code))
        {
            return true;
        }
        return ex is TopicPartitionOffsetException partitions && partitions.Results.Exists(static r => IsStale(r.Error.Code));
    }

    private static bool IsStale(ErrorCode code) => code is ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress
        or ErrorCode.UnknownMemberId or ErrorCode.FencedInstanceId or ErrorCode.Local_AssignmentLost or ErrorCode.Local_State
        or ErrorCode.StaleMemberEpoch or ErrorCode.FencedMemberEpoch;
}
