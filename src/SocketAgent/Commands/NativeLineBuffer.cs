using System.Runtime.InteropServices;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// Lines kept in native memory, <c>\n</c>-terminated, until <see cref="CopyTo"/>: a slice of <c>--once</c> encoded on
/// another core waits here for its turn. Outside the GC heap on purpose: megabytes of lines in a growing managed buffer
/// (large-object allocations and copies) made the garbage collector stop both cores for longer than the slice saved.
/// </summary>
internal sealed unsafe class NativeLineBuffer : IEncodedLineSink, IDisposable
{
    private byte* _data;
    private nuint _capacity;
    private nuint _length;

    /// <param name="capacity">The first allocation, in bytes; the buffer doubles when a line does not fit.</param>
    public NativeLineBuffer(nuint capacity)
    {
        _capacity = Math.Max(capacity, 4096);
        _data = (byte*)NativeMemory.Alloc(_capacity);
    }

    /// <summary>Bytes held.</summary>
    public long Length => (long)_length;

    public void Write(in EncodedLine line)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        nuint needed = _length + (nuint)line.Json.Length + 1;
        if (needed > _capacity)
        {
            nuint capacity = Math.Max(needed, _capacity * 2);
            _data = (byte*)NativeMemory.Realloc(_data, capacity);
            _capacity = capacity;
        }
        line.Json.CopyTo(new Span<byte>(_data + _length, line.Json.Length));
        _data[_length + (nuint)line.Json.Length] = (byte)'\n';
        _length = needed;
    }

    /// <summary>Nothing to push: the lines stay until <see cref="CopyTo"/>.</summary>
    public void Flush()
    {
    }

    /// <summary>Writes every line held to <paramref name="output"/>, in order.</summary>
    public void CopyTo(Stream output)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        for (nuint offset = 0; offset < _length;)
        {
            int count = (int)Math.Min(_length - offset, (nuint)(1 << 20));
            output.Write(new ReadOnlySpan<byte>(_data + offset, count));
            offset += (nuint)count;
        }
    }

    public void Dispose()
    {
        if (_data is not null)
        {
            NativeMemory.Free(_data);
            _data = null;
        }
    }
}
