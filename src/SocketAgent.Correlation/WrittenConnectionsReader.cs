using System.Text;
using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>What the state topic says of one input partition: where its reader starts, and what was written from there on.</summary>
internal sealed record RestoredPartition(long NextOffset, IReadOnlyList<WrittenConnection> Written, IReadOnlyList<WrittenRecord> Records);

/// <summary>
/// Reads an input partition's state back from the state topic, <c>read_committed</c>: the last committed record for
/// it (found by reading the state partition's tail, further back while not found), then the earlier records from its
/// <see cref="WrittenConnectionsRecord.From"/>. A transaction still open or aborted is not seen: its lines are not
/// either, so the connections in it are written again. Blocking, with a deadline: it runs while the partition is
/// being assigned, before any of its events is read.
/// </summary>
internal sealed class WrittenConnectionsReader : IDisposable
{
    private const int TailWindow = 16;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly string _stateTopic;
    private readonly TimeSpan _timeout;

    private readonly long _retention;

    /// <param name="retention">How long after its last activity (event time) a written connection is still taken as written.</param>
    public WrittenConnectionsReader(ConsumerConfig baseConfig, string stateTopic, TimeSpan timeout, TimeSpan retention)
    {
        _retention = retention.Ticks * 100;
        var settings = new Dictionary<string, string>(baseConfig);
        settings.Remove("group.instance.id");
        var config = new ConsumerConfig(settings)
        {
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        config.Set("group.id", "unused-assign-only"); // assign() needs no group; librdkafka wants the property set
        _consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        _stateTopic = stateTopic;
        _timeout = timeout;
    }

    public static byte[] KeyOf(TopicPartition input) => Encoding.UTF8.GetBytes($"{input.Topic}:{input.Partition.Value}");

    /// <summary>The state of <paramref name="input"/>, or null when none was ever committed.</summary>
    /// <param name="input">The input partition.</param>
    /// <param name="aborted">
    /// State-topic offsets of records this member produced in transactions it aborted: passed over. A broker's
    /// read_committed fetch hides them already; a fetch that does not (librdkafka's mock cluster serves aborted
    /// records to every classic consumer) must not make a member take its own aborted state for committed.
    /// </param>
    public RestoredPartition? Read(TopicPartition input, IReadOnlySet<long>? aborted = null)
    {
        var state = new TopicPartition(_stateTopic, input.Partition);
        byte[] key = KeyOf(input);
        DateTime deadline = DateTime.UtcNow + _timeout;
        WatermarkOffsets marks = _consumer.QueryWatermarkOffsets(state, _timeout);
        long low = marks.Low.Value, high = marks.High.Value;
        (long Offset, WrittenConnectionsRecord Record)? last = null;
        // Each transaction leaves one record per partition it touched and a commit marker: the last record for this
        // input partition is near the end, unless other input topics share the state partition.
        for (long window = TailWindow, start = high; start > low; window *= 4)
        {
            start = Math.Max(low, high - window);
            ReadRange(state, start, high, key, aborted, deadline, (offset, record) => last = (offset, record));
            if (last is not null)
            {
                break;
            }
        }
        if (last is not { } found)
        {
            return null;
        }

        var records = new List<(long, WrittenConnectionsRecord)>();
        if (found.Record.From >= 0 && found.Record.From < found.Offset)
        {
            ReadRange(state, Math.Max(low, found.Record.From), found.Offset, key, aborted, deadline, (offset, record) => records.Add((offset, record)));
        }
        records.Add(found);
        long next = found.Record.NextOffset;
        long forgetBefore = found.Record.EventTime - _retention;
        var written = new List<WrittenConnection>();
        var kept = new List<WrittenRecord>();
        foreach ((long offset, WrittenConnectionsRecord record) in records)
        {
            written.AddRange(record.Written.Where(c => c.Matters(next, forgetBefore)));
            WrittenRecord summary = WrittenRecord.Of(offset, record.Written);
            if (summary.Matters(next, forgetBefore))
            {
                kept.Add(summary);
            }
        }
        return new RestoredPartition(next, written, kept);
    }

    /// <summary>
    /// Calls <paramref name="found"/> for each record of <paramref name="key"/> in [start, end) of <paramref name="state"/>,
    /// in order, but those at offsets in <paramref name="aborted"/>.
    /// </summary>
    private void ReadRange(TopicPartition state, long start, long end, byte[] key, IReadOnlySet<long>? aborted, DateTime deadline,
        Action<long, WrittenConnectionsRecord> found)
    {
        _consumer.Assign(new TopicPartitionOffset(state, start));
        try
        {
            while (true)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new CorrelationInputException($"kafka: reading the state of {state} back took longer than {_timeout.TotalSeconds:0} s");
                }
                ConsumeResult<byte[], byte[]>? result = _consumer.Consume(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
                if (result is null)
                {
                    continue;
                }
                // End of what is committed (read_committed stops before an open transaction), or of the range.
                if (result.IsPartitionEOF || result.Offset.Value >= end)
                {
                    return;
                }
                if (result.Message.Key is { } k && k.AsSpan().SequenceEqual(key) && (aborted is null || !aborted.Contains(result.Offset.Value)))
                {
                    if (!WrittenConnectionsRecord.TryDecode(result.Message.Value, out WrittenConnectionsRecord? record))
                    {
                        throw new CorrelationInputException($"kafka: {result.TopicPartitionOffset} is not a state record this version wrote; "
                            + "is the state topic shared with something else?");
                    }
                    found(result.Offset.Value, record!);
                }
                if (result.Offset.Value + 1 >= end)
                {
                    return;
                }
            }
        }
        catch (ConsumeException ex)
        {
            throw new CorrelationInputException($"kafka: reading the state of {state} back failed: {ex.Error.Reason}", ex);
        }
        finally
        {
            _consumer.Unassign();
        }
    }

    public void Dispose() => _consumer.Dispose();
}
