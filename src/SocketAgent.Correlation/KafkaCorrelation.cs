using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// The Kafka mode: a consumer group member (auto-commit off, cooperative-sticky assignment) feeding the join. What is
/// committed is only what is out, by the <see cref="ICorrelationCheckpoint"/>: per owned partition, the smallest offset
/// still referenced by a pending connection, after the written lines were flushed (at least once) or in the same
/// transaction as them (exactly once) — so the next reader of a partition (this member after a restart, or another
/// after a rebalance) re-reads exactly the events of connections not yet written. A partition revoked or lost takes
/// its pending connections with it, unwritten: its new owner rebuilds them from the committed offset. Runs until
/// <c>stopping</c> fires, then writes what is due, commits and leaves the group.
/// </summary>
internal static class KafkaCorrelation
{
    /// <summary>The consumer configuration of a member (also the base of the state reader's).</summary>
    public static ConsumerConfig ConsumerConfigFor(KafkaCorrelationOptions options)
    {
        int sessionTimeout = (int)options.SessionTimeout.TotalMilliseconds;
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            // A new group starts at the beginning of the retained events, not at the end: nothing is skipped.
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // A member killed without leaving holds its partitions until the session times out (librdkafka's default
            // is 45 s): its connections wait that long for a new owner.
            SessionTimeoutMs = sessionTimeout,
            HeartbeatIntervalMs = Math.Clamp(sessionTimeout / 3, 100, 3000),
            // Incremental rebalances: a member joining or leaving moves only the partitions that change owner, so the
            // others keep their pending connections instead of all dropping them and re-reading.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            // Events produced in transactions count once committed (and a committed offset an open transaction may
            // still replace is waited for, KIP-447).
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        foreach ((string key, string value) in options.Properties)
        {
            config.Set(key, value);
        }
        return config;
    }

    public static void Run(KafkaCorrelationOptions options, CorrelationEngine engine, OffsetTracker offsets, ICorrelationCheckpoint checkpoint,
        Action<string> warn, TimeProvider time, CancellationToken stopping)
    {
        ConsumerConfig config = ConsumerConfigFor(options);
        bool assigned = false;
        bool closing = false;
        KafkaException? unreachable = null;
        var reported = new HashSet<ErrorCode>();
        long Wall() => time.GetTimestamp() * 1000 / time.TimestampFrequency;
        void Drop(List<TopicPartitionOffset> partitions, string how)
        {
            int dropped = 0;
            foreach (TopicPartitionOffset partition in partitions)
            {
                dropped += engine.DropPartition(offsets.IndexOf(partition.TopicPartition));
                offsets.Revoked(partition.TopicPartition);
            }
            warn($"kafka: {how} {string.Join(", ", partitions.Select(static p => $"{p.Topic}[{p.Partition.Value}]"))}: "
                + $"{dropped} pending connections dropped, their new owner reads them again");
        }
        using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                if (!assigned && error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Resolve || error.IsFatal)
                {
                    unreachable ??= new KafkaException(error);
                }
                else if (reported.Add(error.Code))
                {
                    warn($"kafka: {error.Reason} ({error.Code}); retrying");
                }
            })
            .SetLogHandler((_, _) => { }) // librdkafka's own log lines are noise next to the error handler's
            .SetPartitionsAssignedHandler((c, partitions) =>
            {
                // Where the previous owner left it: the committed offset, or the committed state of a transaction.
                assigned = true;
                return checkpoint.Assigned(c, engine, partitions).ToList();
            })
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                if (!closing)
                {
                    // Still ours during the callback: a last commit of what is out, then nothing more for them. Not
                    // while closing: the commit before Close covered everything, and a synchronous commit from the
                    // callback that Close itself runs hung or aborted librdkafka (seen against the mock cluster).
                    checkpoint.Commit(c, engine, Wall(), partitions.Select(static p => p.TopicPartition).ToList());
                }
                Drop(partitions, "partitions revoked:");
                checkpoint.Gone(c, engine, partitions, lost: false);
            })
            .SetPartitionsLostHandler((c, partitions) =>
            {
                // Lost (this member's session expired): they may already be another member's, so no commit at all.
                Drop(partitions, "partitions lost (the session timed out):");
                checkpoint.Gone(c, engine, partitions, lost: true);
            })
            .Build();
        consumer.Subscribe(options.Topics);

        long nextCommit = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (unreachable is not null)
                {
                    throw new CorrelationInputException($"cannot reach Kafka at {options.BootstrapServers}: {unreachable.Error.Reason}", unreachable);
                }
                ConsumeResult<Ignore, byte[]>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    // A topic that does not exist yet (the agents have not produced to it) is a wait, not an error:
                    // librdkafka reports it on every metadata refresh, so it is said once per error code, and the
                    // pause keeps the retry from spinning.
                    if (reported.Add(ex.Error.Code))
                    {
                        warn(ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic
                            ? $"kafka: topic {string.Join(", ", options.Topics)} does not exist (yet): waiting for it ({ex.Error.Reason})"
                            : $"kafka: {ex.Error.Reason} ({ex.Error.Code}); retrying");
                    }
                    stopping.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500));
                    continue;
                }
                long wall = Wall();
                if (result is { IsPartitionEOF: false, Message.Value: { } value })
                {
                    assigned = true;
                    var position = new SourcePosition(offsets.IndexOf(result.TopicPartition), result.Offset.Value);
                    if (engine.ProcessLine(value, position, wall) == SocketEventParseResult.Invalid && engine.Counters.Invalid == 1)
                    {
                        warn($"{result.TopicPartitionOffset}: not a socket event line, skipped (further bad lines are only counted)");
                    }
                }
                if (result is null || wall >= nextCommit)
                {
                    engine.Poll(wall);
                }
                if (wall >= nextCommit)
                {
                    checkpoint.Commit(consumer, engine, wall);
                    nextCommit = wall + (long)options.CommitInterval.TotalMilliseconds;
                }
            }
            long last = Wall();
            engine.Poll(last);
            checkpoint.Commit(consumer, engine, last);
        }
        finally
        {
            closing = true;
            try
            {
                consumer.Close();
            }
            catch (KafkaException ex)
            {
                warn($"kafka: leaving the group failed: {ex.Error.Reason}");
            }
        }
    }
}
