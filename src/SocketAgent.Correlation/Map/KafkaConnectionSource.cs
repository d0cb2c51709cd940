using System.Text;
using Confluent.Kafka;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// Reads the connections topic once, from the beginning of what is retained to its end, then stops: a map is a
/// picture of what the topic holds. Every partition is assigned directly (no group is joined, nothing is committed,
/// so running a map never moves anyone's offsets); reading is <c>read_committed</c>, so lines of an aborted
/// transaction of correlate's exactly-once output are never counted. The end of each partition is librdkafka's
/// partition-EOF event, which also comes for an empty partition.
/// </summary>
internal static class KafkaConnectionSource
{
    public static void Read(MapKafkaOptions options, ConnectionLineReader reader)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            // Required by the client, never used: partitions are assigned, not subscribed, and no offset is committed.
            GroupId = "socket-agent-map",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        foreach ((string key, string value) in options.Properties)
        {
            config.Set(key, value);
        }

        KafkaException? fatal = null;
        using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(config)
            .SetErrorHandler((_, error) =>
            {
                if (error.IsFatal || error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Resolve or ErrorCode.Local_Authentication)
                {
                    fatal ??= new KafkaException(error);
                }
            })
            .SetLogHandler((_, _) => { }) // librdkafka's own log lines are noise next to the error handler's
            .Build();

        List<TopicPartition> partitions = Partitions(consumer, options);
        consumer.Assign(partitions.Select(static p => new TopicPartitionOffset(p, Offset.Beginning)));
        var remaining = new HashSet<TopicPartition>(partitions);
        while (remaining.Count > 0)
        {
            if (fatal is not null)
            {
                throw new CorrelationInputException($"cannot read Kafka at {options.BootstrapServers}: {fatal.Error.Reason}", fatal);
            }
            ConsumeResult<Ignore, byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                continue; // a transient broker error; librdkafka retries the fetch
            }
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                remaining.Remove(result.TopicPartition);
                continue;
            }
            if (result.Message?.Value is { } value)
            {
                reader.Add(Encoding.UTF8.GetString(value), $"{result.Topic}[{result.Partition.Value}]", result.Offset.Value);
            }
        }
        consumer.Close();
    }

    private static List<TopicPartition> Partitions(IConsumer<Ignore, byte[]> consumer, MapKafkaOptions options)
    {
        using IAdminClient admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = new List<TopicPartition>();
        foreach (string topic in options.Topics)
        {
            Metadata metadata;
            try
            {
                metadata = admin.GetMetadata(topic, options.MetadataTimeout);
            }
            catch (KafkaException ex)
            {
                throw new CorrelationInputException($"cannot reach Kafka at {options.BootstrapServers}: {ex.Error.Reason}", ex);
            }
            TopicMetadata? found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
            if (found is null || found.Error.Code != ErrorCode.NoError || found.Partitions.Count == 0)
            {
                string why = found?.Error.Code is { } code && code != ErrorCode.NoError ? found.Error.Reason : "no partitions";
                throw new CorrelationInputException($"cannot read topic {topic} at {options.BootstrapServers}: {why}");
            }
            partitions.AddRange(found.Partitions.OrderBy(static p => p.PartitionId).Select(p => new TopicPartition(topic, p.PartitionId)));
        }
        return partitions;
    }
}
