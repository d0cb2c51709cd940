using System.Buffers;
using Confluent.Kafka;

namespace SocketAgent.Correlation;

/// <summary>
/// <c>--output kafka</c>: each connection is one record on the output topic, keyed by its <c>event.id</c> (so a
/// compacted topic keeps one per connection), produced inside the open transaction of a transactional producer. Each
/// connection read from a Kafka partition is also noted in the <see cref="WrittenConnectionsJournal"/> with the
/// partition's last consumed offset: the transaction's state record carries it, so the partition's next reader does
/// not write it again. <see cref="Flush"/> waits until every record produced is acknowledged or failed.
/// </summary>
internal sealed class KafkaConnectionWriter : IConnectionSink
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly OffsetTracker _offsets;
    private readonly WrittenConnectionsJournal _journal;
    private readonly ConnectionLineEncoder _encoder = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Action<DeliveryReport<string, byte[]>> _delivered;
    private ErrorCode _failure;

    public KafkaConnectionWriter(IProducer<string, byte[]> producer, string topic, OffsetTracker offsets, WrittenConnectionsJournal journal)
    {
        _producer = producer;
        _topic = topic;
        _offsets = offsets;
        _journal = journal;
        _delivered = report =>
        {
            if (report.Error.IsError && _failure == ErrorCode.NoError)
            {
                _failure = report.Error.Code;
            }
        };
    }

    /// <summary>Records produced in the open transaction.</summary>
    public long Produced { get; private set; }

    /// <summary>The first delivery error of the open transaction (it cannot commit then), or <see cref="ErrorCode.NoError"/>.</summary>
    public ErrorCode Failure => _failure;

    public void Write(in CorrelatedConnection connection)
    {
        Guid id = _encoder.Encode(connection, _buffer);
        var message = new Message<string, byte[]> { Key = id.ToString(), Value = _buffer.WrittenSpan.ToArray() };
        _buffer.ResetWrittenCount();
        while (true)
        {
            try
            {
                _producer.Produce(_topic, message, _delivered);
                break;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(100)); // librdkafka's queue is full: let deliveries drain
            }
        }
        Produced++;
        if (connection.Partition >= 0)
        {
            _journal.Written(connection.Partition, new WrittenConnection(connection.Key, connection.Start, connection.End,
                _offsets.ConsumedOffset(connection.Partition)));
        }
    }

    /// <summary>Waits until every record produced so far is acknowledged (or failed: see <see cref="Failure"/>).</summary>
    public void Flush()
    {
        while (_producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
        }
    }

    /// <summary>A transaction ended (committed or aborted): counting starts again.</summary>
    public void TransactionEnded()
    {
        Produced = 0;
        _failure = ErrorCode.NoError;
    }
}
