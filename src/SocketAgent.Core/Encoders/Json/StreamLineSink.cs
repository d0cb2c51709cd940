using System.Buffers;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Lines into a stream, <c>\n</c>-terminated, gathered in a buffer and handed over in large writes (a snapshot of
/// 20,000 sockets is a few hundred writes, not 20,000). The stream is not closed; <see cref="Flush"/> flushes it.
/// </summary>
public sealed class StreamLineSink : IEncodedLineSink
{
    private const int FlushThreshold = 64 * 1024;

    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);

    public StreamLineSink(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    public void Write(in EncodedLine line)
    {
        Span<byte> destination = _buffer.GetSpan(line.Json.Length + 1);
        line.Json.CopyTo(destination);
        destination[line.Json.Length] = (byte)'\n';
        _buffer.Advance(line.Json.Length + 1);
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Drain();
        }
    }

    public void Flush()
    {
        Drain();
        _output.Flush();
    }

    private void Drain()
    {
        if (_buffer.WrittenCount > 0)
        {
            _output.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }
}
