using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// The Kafka mode: a consumer group member (auto-commit off) feeding the join. Offsets are committed only for what is
/// out: per partition, the smallest offset still referenced by a pending connection, after the written lines were
/// flushed — so a restart re-reads exactly the events of connections not yet written (and the in-memory dedupe
/// keeps the output single within a run). Runs until <paramref name="stopping"/> fires, then writes what is due,
/// flushes, commits and leaves the group.
/// </summary>
internal static class KafkaCorrelation
{
    public static void Run(KafkaCorrelationOptions options, CorrelationEngine engine, OffsetTracker offsets, IConnectionSink sink,
        Action<string> warn, TimeProvider time, CancellationToken stopping)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            // A new group starts at the beginning of the retained events, not at the end: nothing is skipped.
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        foreach ((string key, string value) in options.Properties)
        {
            config.Set(key, value);
        }

        bool assigned = false;
        KafkaException? unreachable = null;
        var reported = new HashSet<ErrorCode>();
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
            .SetPartitionsAssignedHandler((_, _) => assigned = true)
            .SetPartitionsRevokedHandler((c, _) => Commit(c, offsets, sink, warn))
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
                long wall = time.GetTimestamp() * 1000 / time.TimestampFrequency;
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
                    Commit(consumer, offsets, sink, warn);
                    nextCommit = wall + (long)options.CommitInterval.TotalMilliseconds;
                }
            }
            engine.Poll(time.GetTimestamp() * 1000 / time.TimestampFrequency);
            Commit(consumer, offsets, sink, warn);
        }
        finally
        {
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

    /// <summary>Flushes the written lines, then commits past them — never the other way round.</summary>
    private static void Commit(IConsumer<Ignore, byte[]> consumer, OffsetTracker offsets, IConnectionSink sink, Action<string> warn)
    {
        sink.Flush();
        List<TopicPartitionOffset> committable = offsets.CommittableOffsets();
        if (committable.Count == 0)
        {
            return;
        }
        try
        {
            consumer.Commit(committable);
            offsets.Committed(committable);
        }
        catch (KafkaException ex)
        {
            warn($"kafka: commit failed ({ex.Error.Reason}); will retry");
        }
    }
}
