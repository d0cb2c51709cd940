using System.Buffers;

namespace SocketAgent.Correlation;

/// <summary>
/// Writes each connection as one JSON line (<see cref="ConnectionLineEncoder"/>). Buffered; <see cref="Flush"/>
/// pushes the lines to the stream (the Kafka mode flushes before it commits offsets).
/// </summary>
internal sealed class ConnectionJsonWriter : IConnectionSink
{
    private const int FlushThreshold = 1 << 16;
    private readonly Stream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
    private readonly ConnectionLineEncoder _encoder = new();

    public ConnectionJsonWriter(Stream stream) => _stream = stream;

    public void Write(in CorrelatedConnection connection)
    {
        _encoder.Encode(connection, _buffer);
        _buffer.Write("\n"u8);
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if (_buffer.WrittenCount > 0)
        {
            _stream.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
        _stream.Flush();
    }
}
