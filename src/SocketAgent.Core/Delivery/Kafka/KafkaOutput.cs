using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace SocketAgent.Delivery.Kafka;

/// <summary>
/// The <c>kafka</c> remote output: one idempotent Confluent.Kafka producer. <see cref="Produce"/> hands a record to
/// librdkafka without waiting (no Task per message); librdkafka's delivery report becomes one
/// <see cref="DeliveryCallback"/> call per record, on librdkafka's poll thread.
/// </summary>
/// <remarks>
/// <para>Every message is keyed by <c>agent.id</c>, so one host's events share a partition and, with the idempotent
/// producer, keep their order there. Headers: <c>agent.id</c>, <c>event.sequence</c> (decimal text, see
/// <see cref="KafkaHeaders"/>) and <c>schema.version</c>.</para>
/// <para>Records with a Community ID are also produced to <see cref="KafkaOutputOptions.FlowTopic"/> when one is set,
/// keyed by the Community ID. Only the primary copy's outcome reaches the callback (and so the watermark); the flow
/// copy is produced first, so a full queue never leaves a primary without its flow copy, and it is resent whenever
/// the primary is. Its own failures are only counted (<see cref="FlowCopiesFailed"/>).</para>
/// <para>After <see cref="Dispose"/> no callback runs: records still in flight then get no outcome, and the delivery
/// loop replays them from the watermark.</para>
/// </remarks>
public sealed class KafkaOutput : IRemoteOutput
{
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly KafkaOutputOptions _options;
    private readonly DeliveryCallback _callback;
    private readonly Action<string>? _log;
    private readonly byte[] _agentId;
    // Headers are immutable: the two that are the same on every message are built once.
    private readonly Header _agentIdHeader;
    private readonly Header _schemaVersionHeader;
    private readonly Action<DeliveryReport<byte[]?, byte[]>> _onFlowDelivered;
    private int _inFlight;
    private long _flowCopiesPersisted;
    private long _flowCopiesFailed;
    private volatile string? _fatalError;

    /// <param name="options">Where and how to produce; read once, here.</param>
    /// <param name="agentId">The agent's <c>agent.id</c>: the message key and a header.</param>
    /// <param name="callback">Receives every record's outcome exactly once, from librdkafka's poll thread (or inline
    /// from <see cref="Produce"/> for a record refused on the spot).</param>
    /// <param name="log">Receives librdkafka's errors and warnings (broker down, fatal errors), one line each; they repeat
    /// during an outage, so the receiver should rate-limit.</param>
    public KafkaOutput(KafkaOutputOptions options, string agentId, DeliveryCallback callback, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentNullException.ThrowIfNull(callback);
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            throw new ArgumentException("kafka: bootstrap servers are required.", nameof(options));
        }

        _options = options;
        _callback = callback;
        _log = log;
        _agentId = Encoding.UTF8.GetBytes(agentId);
        _agentIdHeader = new Header(KafkaHeaders.AgentId, _agentId);
        _schemaVersionHeader = new Header(KafkaHeaders.SchemaVersion, Encoding.UTF8.GetBytes(options.SchemaVersion));
        _onFlowDelivered = OnFlowDelivered;

        _producer = new ProducerBuilder<byte[]?, byte[]>(KafkaProducerConfig.Build(options))
            .SetErrorHandler(OnError)
            .SetLogHandler(OnLog)
            .Build();
    }

    public string Name => "kafka";

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Flow-topic copies the brokers confirmed.</summary>
    public long FlowCopiesPersisted => Interlocked.Read(ref _flowCopiesPersisted);

    /// <summary>Flow-topic copies that failed (not retried on their own: they are resent only with their primary).</summary>
    public long FlowCopiesFailed => Interlocked.Read(ref _flowCopiesFailed);

    /// <summary>librdkafka reported a fatal error: the next <see cref="Produce"/> throws <see cref="RemoteOutputFatalException"/>.</summary>
    public bool IsFatal => _fatalError is not null;

    /// <summary>The producer's handle, for tests that drive librdkafka directly (fault injection).</summary>
    internal Handle Handle => _producer.Handle;

    public bool Produce(DeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ThrowIfFatal();

        byte[] value = ExactArray(record.Json);
        Headers headers = CreateHeaders(record.Sequence);

        if (_options.FlowTopic is { } flowTopic && record.CommunityId is { } communityId)
        {
            var flowCopy = new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(communityId), Value = value, Headers = headers };
            if (!TryProduce(flowTopic, flowCopy, _onFlowDelivered, record.Sequence, isPrimary: false))
            {
                return false;
            }
        }

        long sequence = record.Sequence;
        var message = new Message<byte[]?, byte[]> { Key = _agentId, Value = value, Headers = headers };
        Interlocked.Increment(ref _inFlight);
        return TryProduce(_options.TopicFor(record.Dataset), message, report => OnDelivered(sequence, report), sequence, isPrimary: true);
    }

    public int Flush(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        _producer.Flush(timeout);

        // librdkafka counts a report as done once it is dequeued; our handler may still be running on the poll thread.
        while (InFlight > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }

        return InFlight;
    }

    public void Dispose() => _producer.Dispose();

    /// <summary>Produces one message; false when librdkafka's queue is full (nothing was queued then).</summary>
    private bool TryProduce(string topic, Message<byte[]?, byte[]> message, Action<DeliveryReport<byte[]?, byte[]>> handler, long sequence, bool isPrimary)
    {
        try
        {
            _producer.Produce(topic, message, handler);
            return true;
        }
        catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
        {
            Undo(isPrimary);
            return false;
        }
        catch (ProduceException<byte[]?, byte[]> e) when (!e.Error.IsFatal && e.Error.Code != ErrorCode.Local_Fatal)
        {
            // Refused on the spot (too large for message.max.bytes, unknown partition): the outcome is known now.
            Undo(isPrimary);
            if (isPrimary)
            {
                DeliveryOutcome outcome = KafkaDeliveryOutcomes.IsPermanent(e.Error.Code) ? DeliveryOutcome.Permanent : DeliveryOutcome.Retriable;
                _callback(sequence, outcome, Describe(topic, e.Error));
            }

            return true;
        }
        catch (KafkaException e) when (e.Error.IsFatal || e.Error.Code == ErrorCode.Local_Fatal)
        {
            Undo(isPrimary);
            _fatalError ??= e.Error.ToString();
            throw new RemoteOutputFatalException($"kafka: the producer hit a fatal error and must be rebuilt: {_fatalError}", e);
        }
    }

    private void Undo(bool isPrimary)
    {
        if (isPrimary)
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void OnDelivered(long sequence, DeliveryReport<byte[]?, byte[]> report)
    {
        DeliveryOutcome outcome = KafkaDeliveryOutcomes.From(report.Status, report.Error);
        if (report.Error.Code == ErrorCode.Local_Fatal || report.Error.IsFatal)
        {
            _fatalError ??= report.Error.ToString();
        }

        Interlocked.Decrement(ref _inFlight);
        _callback(sequence, outcome, outcome == DeliveryOutcome.Persisted ? null : Describe(report.Topic, report.Error));
    }

    private void OnFlowDelivered(DeliveryReport<byte[]?, byte[]> report)
    {
        if (KafkaDeliveryOutcomes.From(report.Status, report.Error) == DeliveryOutcome.Persisted)
        {
            Interlocked.Increment(ref _flowCopiesPersisted);
        }
        else
        {
            Interlocked.Increment(ref _flowCopiesFailed);
        }
    }

    private void OnError(IProducer<byte[]?, byte[]> producer, Error error)
    {
        if (error.IsFatal)
        {
            // The idempotent producer cannot go on (for example a broker lost its sequence state). The delivery loop
            // sees RemoteOutputFatalException on its next Produce, rebuilds the output and replays from the watermark.
            _fatalError ??= error.ToString();
        }

        _log?.Invoke(error.IsFatal ? $"kafka: fatal: {error}" : $"kafka: {error}");
    }

    private void OnLog(IProducer<byte[]?, byte[]> producer, LogMessage message)
    {
        // FAIL is librdkafka's log line for the broker failure its error callback (OnError) reports as well: each
        // failure once, not twice.
        if (message.Level <= SyslogLevel.Warning && message.Facility != "FAIL")
        {
            _log?.Invoke($"kafka: {message.Facility}: {message.Message}");
        }
    }

    private void ThrowIfFatal()
    {
        if (_fatalError is { } error)
        {
            throw new RemoteOutputFatalException($"kafka: the producer hit a fatal error and must be rebuilt: {error}");
        }
    }

    private Headers CreateHeaders(long sequence)
    {
        Span<byte> digits = stackalloc byte[20];
        sequence.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
        return new Headers
        {
            _agentIdHeader,
            new Header(KafkaHeaders.EventSequence, digits[..written].ToArray()),
            _schemaVersionHeader,
        };
    }

    /// <summary>Confluent.Kafka takes a whole array; the spool usually hands one over, so the copy is the exception.</summary>
    private static byte[] ExactArray(ReadOnlyMemory<byte> json)
        => MemoryMarshal.TryGetArray(json, out ArraySegment<byte> segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : json.ToArray();

    private static string Describe(string topic, Error error) => $"kafka: topic '{topic}': {error.Code}: {error.Reason}";
}
