using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// Exactly-once output (<c>--output kafka</c>): the connection lines of a commit interval, one state record per input
/// partition that moved (<see cref="WrittenConnectionsRecord"/>: where its next reader starts, which connections were
/// written) and the consumed offsets (<c>SendOffsetsToTransaction</c>, which also fences a member the group has moved
/// on from) are committed in one Kafka transaction. A partition's next owner — after a rebalance, a crash, or this
/// member after an abort — starts from its last committed state record, with the connections written from there on
/// taken as written: it re-reads the events of the connections still pending, and writes none twice. A transaction
/// that cannot commit is aborted and this member rewinds every partition it owns to the committed state; a fatal
/// error (fenced by a producer with the same transactional id) stops it, its open transaction left to the broker.
/// </summary>
internal sealed class TransactionalCheckpoint : ICorrelationCheckpoint, IDisposable
{
    private const int CommitAttempts = 5;

    /// <summary>How long the start-up check waits for the cluster's metadata: a cluster that does not answer is an error then.</summary>
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(15);
    private readonly IProducer<string, byte[]> _producer;
    private readonly WrittenConnectionsJournal _journal;
    private readonly WrittenConnectionsReader _reader;
    private readonly OffsetTracker _offsets;
    private readonly KafkaOutputOptions _output;
    private readonly Action<string> _warn;
    private readonly IProducer<byte[], byte[]> _stateProducer;
    private readonly Dictionary<int, (int StatePartition, long Offset)> _stateOffsets = []; // by input partition (OffsetTracker index)
    private readonly Dictionary<int, HashSet<long>> _abortedStateOffsets = []; // by state partition

    private ErrorCode _stateFailure;

    public TransactionalCheckpoint(KafkaCorrelationOptions input, KafkaOutputOptions output, OffsetTracker offsets, Action<string> warn)
    {
        _output = output;
        _offsets = offsets;
        _warn = warn;
        var config = new ProducerConfig
        {
            BootstrapServers = input.BootstrapServers,
            TransactionalId = output.TransactionalId,
            EnableIdempotence = true,
            TransactionTimeoutMs = (int)output.TransactionTimeout.TotalMilliseconds,
            LingerMs = 5,
        };
        foreach ((string key, string value) in input.Properties)
        {
            config.Set(key, value); // TLS, SASL: the same cluster as the input
        }
        _producer = new ProducerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        // The state records go through the same producer (same transaction), typed for their binary keys.
        _stateProducer = new DependentProducerBuilder<byte[], byte[]>(_producer.Handle).Build();
        _journal = new WrittenConnectionsJournal();
        Writer = new KafkaConnectionWriter(_producer, output.Topic, offsets, _journal);
        _reader = new WrittenConnectionsReader(KafkaCorrelation.ConsumerConfigFor(input), output.StateTopic, output.Timeout, output.WrittenRetention);
        try
        {
            try
            {
                CheckStateTopic(input, output);
            }
            catch (KafkaException ex)
            {
                // The first request: no answer is an unreachable cluster, said as the at-least-once mode says it.
                throw new CorrelationInputException($"cannot reach Kafka at {input.BootstrapServers}: {ex.Error.Reason}", ex);
            }
            _producer.InitTransactions(output.Timeout);
            _producer.BeginTransaction();
        }
        catch (KafkaException ex)
        {
            Dispose();
            throw new CorrelationInputException($"cannot start transactions at {input.BootstrapServers} as '{output.TransactionalId}': {ex.Error.Reason}", ex);
        }
        catch (CorrelationInputException)
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The sink the engine writes to: records on the output topic, in the open transaction.</summary>
    public KafkaConnectionWriter Writer { get; }

    /// <summary>Transactions committed and aborted: for the summary and the tests.</summary>
    public long Committed { get; private set; }

    public long Aborted { get; private set; }

    public IEnumerable<TopicPartitionOffset> Assigned(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, List<TopicPartition> partitions)
    {
        var starts = new List<TopicPartitionOffset>(partitions.Count);
        int written = 0;
        foreach (TopicPartition partition in partitions)
        {
            _offsets.Assigned(partition);
            (Offset start, int restored) = Restore(engine, partition);
            starts.Add(new TopicPartitionOffset(partition, start));
            written += restored;
        }
        if (starts.Count == 0)
        {
            return starts; // an incremental rebalance that gave this member nothing new
        }
        _warn($"kafka: partitions assigned: {string.Join(", ", starts.Select(static s => $"{s.Topic}[{s.Partition.Value}]@{(s.Offset == Offset.Unset ? "committed" : s.Offset.Value)}"))}; "
            + $"{written} connections their committed state says were written are not written again");
        return starts;
    }

    public void Commit(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, long wallMilliseconds, IReadOnlyCollection<TopicPartition>? only = null)
    {
        // The transaction holds the lines of every partition: it is committed whole, whatever is being revoked.
        var moved = new List<(int Index, long Next)>();
        foreach (int index in _offsets.OwnedIndexes())
        {
            long next = _offsets.NextOffset(index);
            if (next >= 0 && (_journal.Pending(index).Count > 0 || next != _journal.LastNextOffset(index)))
            {
                moved.Add((index, next));
            }
        }
        if (moved.Count == 0 && Writer.Produced == 0)
        {
            return;
        }

        try
        {
            // The lines are acknowledged before their state record is produced. A broker's read_committed makes the
            // transaction atomic anyway; where a reader sees uncommitted records (the mock cluster), a state record
            // then never names a line that is not in the log.
            Writer.Flush();
            if (Writer.Failure != ErrorCode.NoError)
            {
                AbortAndRewind(consumer, engine, $"a line could not be produced ({Writer.Failure})");
                return;
            }
            var offsets = new List<TopicPartitionOffset>(moved.Count);
            _stateOffsets.Clear();
            _stateFailure = ErrorCode.NoError;
            long now = engine.Now;
            long forgetBefore = now == long.MinValue ? long.MinValue : now - _output.WrittenRetention.Ticks * 100;
            foreach ((int index, long next) in moved)
            {
                TopicPartition input = _offsets.PartitionAt(index);
                var record = new WrittenConnectionsRecord
                {
                    NextOffset = next,
                    From = _journal.From(index, next, forgetBefore),
                    EventTime = now,
                    Written = _journal.Pending(index),
                };
                _stateProducer.Produce(new TopicPartition(_output.StateTopic, input.Partition),
                    new Message<byte[], byte[]> { Key = WrittenConnectionsReader.KeyOf(input), Value = record.Encode() }, StateDelivered(index));
                offsets.Add(new TopicPartitionOffset(input, new Offset(next)));
            }
            Writer.Flush();
            if (_stateFailure != ErrorCode.NoError)
            {
                AbortAndRewind(consumer, engine, $"a state record could not be produced to {_output.StateTopic} ({_stateFailure})");
                return;
            }
            foreach ((int index, long next) in moved)
            {
                _journal.Recorded(index, _stateOffsets.TryGetValue(index, out var at) ? at.Offset : -1, next);
            }
            if (offsets.Count > 0)
            {
                _producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, _output.Timeout);
            }
            CommitTransaction();
            _stateOffsets.Clear(); // committed: only the open transaction's state records may still be aborted
            _offsets.Committed(offsets);
            Committed++;
            Writer.TransactionEnded();
            _producer.BeginTransaction();
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            // Abortable, or retriable and still failing, or timed out: aborting is allowed in every non-fatal state,
            // and redoing the interval from the committed state is always right.
            AbortAndRewind(consumer, engine, ex.Error.Reason);
        }
        catch (KafkaException ex)
        {
            throw Stopped(ex);
        }
    }

    public void Gone(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, List<TopicPartitionOffset> partitions, bool lost)
    {
        foreach (TopicPartitionOffset partition in partitions)
        {
            _journal.Forget(_offsets.IndexOf(partition.TopicPartition));
        }
        if (lost && Writer.Produced > 0)
        {
            // The open transaction holds lines of partitions that may already be another member's: it goes, and what
            // this member still owns is redone from the committed state.
            AbortAndRewind(consumer, engine, "partitions were lost");
        }
    }

    /// <summary>
    /// The state topic must exist with a partition for every input partition number (records go to the input
    /// partition's own number): said at start, not as a transaction aborted every time a record cannot be delivered.
    /// </summary>
    private void CheckStateTopic(KafkaCorrelationOptions input, KafkaOutputOptions output)
    {
        using IAdminClient admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        Metadata state = admin.GetMetadata(output.StateTopic, MetadataTimeout);
        if (state.Topics is not [{ Error.IsError: false } topic] || topic.Partitions.Count == 0)
        {
            throw new CorrelationInputException($"the state topic {output.StateTopic} does not exist: create it with at least as many partitions as "
                + $"{string.Join(", ", input.Topics)} (--kafka-state-topic names another)");
        }
        foreach (string name in input.Topics)
        {
            Metadata events = admin.GetMetadata(name, MetadataTimeout);
            if (events.Topics is [{ Error.IsError: false } inputTopic] && inputTopic.Partitions.Count > topic.Partitions.Count)
            {
                throw new CorrelationInputException($"the state topic {output.StateTopic} has {topic.Partitions.Count} partitions, "
                    + $"fewer than {name}'s {inputTopic.Partitions.Count}: it needs one per input partition number");
            }
        }
    }

    /// <summary>CommitTransaction, again while librdkafka says the outcome is not known yet (it is safe to repeat).</summary>
    private void CommitTransaction()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _producer.CommitTransaction(_output.Timeout);
                return;
            }
            catch (KafkaRetriableException) when (attempt < CommitAttempts)
            {
            }
        }
    }

    private void AbortAndRewind(IConsumer<Ignore, byte[]> consumer, CorrelationEngine engine, string reason)
    {
        _warn($"kafka: transaction aborted ({reason}); the partitions this member owns are read again from their committed state");
        try
        {
            _producer.AbortTransaction(_output.Timeout);
        }
        catch (KafkaException ex)
        {
            throw Stopped(ex);
        }
        Aborted++;
        foreach ((int statePartition, long offset) in _stateOffsets.Values)
        {
            if (!_abortedStateOffsets.TryGetValue(statePartition, out HashSet<long>? offsets))
            {
                _abortedStateOffsets[statePartition] = offsets = [];
            }
            offsets.Add(offset);
        }
        _stateOffsets.Clear();
        Writer.TransactionEnded();
        engine.Reset();
        try
        {
            foreach (int index in _offsets.OwnedIndexes().ToList())
            {
                TopicPartition partition = _offsets.PartitionAt(index);
                _offsets.Revoked(partition);
                _offsets.Assigned(partition);
                (Offset start, _) = Restore(engine, partition);
                if (start == Offset.Unset)
                {
                    start = consumer.Committed([partition], _output.Timeout) is [{ Offset: var committed }] && committed != Offset.Unset ? committed : Offset.Beginning;
                }
                consumer.Seek(new TopicPartitionOffset(partition, start));
            }
            _producer.BeginTransaction();
        }
        catch (KafkaException ex)
        {
            throw Stopped(ex);
        }
    }

    /// <summary>Reads the partition's committed state back into the engine and the journal: where to start reading it, and how many written connections it holds.</summary>
    private (Offset Start, int Written) Restore(CorrelationEngine engine, TopicPartition partition)
    {
        int index = _offsets.IndexOf(partition);
        _journal.Forget(index);
        if (_reader.Read(partition, _abortedStateOffsets.GetValueOrDefault(partition.Partition.Value)) is not { } restored)
        {
            return (Offset.Unset, 0); // never committed with a state record: the group's offset, or the beginning
        }
        foreach (WrittenConnection written in restored.Written)
        {
            engine.RestoreWritten(written.Key, written.Start, written.End);
        }
        _journal.Restored(index, restored.NextOffset, restored.Records);
        return (new Offset(restored.NextOffset), restored.Written.Count);
    }

    /// <summary>Where the state record of the input partition behind <paramref name="index"/> landed (one per moved partition per commit).</summary>
    private Action<DeliveryReport<byte[], byte[]>> StateDelivered(int index) => report =>
    {
        if (report.Error.IsError)
        {
            _stateFailure = report.Error.Code;
        }
        else
        {
            _stateOffsets[index] = (report.Partition.Value, report.Offset.Value);
        }
    };

    private CorrelationInputException Stopped(KafkaException ex) => new(ex.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch
        ? $"kafka: fenced: another producer took the transactional id '{_output.TransactionalId}' ({ex.Error.Reason}); this member stops, its open transaction is aborted by the broker"
        : $"kafka: the transaction cannot go on ({ex.Error.Reason}); this member stops, its open transaction is aborted by the broker", ex);

    public void Dispose()
    {
        _reader?.Dispose();
        _stateProducer?.Dispose();
        _producer.Dispose();
    }
}
