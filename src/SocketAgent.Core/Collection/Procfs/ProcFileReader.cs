using System.Buffers;

namespace SocketAgent.Collection.Procfs;

/// <summary>
/// Reads a whole /proc file into a pooled buffer. /proc files report a size of 0, so the only way is to read
/// until EOF; large reads also let the kernel's seq_file fill many lines per system call.
/// </summary>
internal sealed class ProcFileReader : IDisposable
{
    private const int InitialSize = 64 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);

    /// <summary>
    /// Reads <paramref name="path"/> to its end. The returned memory is valid until the next call or
    /// <see cref="Dispose"/>. Throws what <see cref="FileStream"/> throws (missing file, no permission).
    /// </summary>
    public ReadOnlySpan<byte> ReadAll(string path)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);

        // bufferSize 0: no FileStream buffer in between, reads go straight into ours.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        int length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(checked(_buffer.Length * 2));
                _buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            int read = stream.Read(_buffer, length, _buffer.Length - length);
            if (read == 0)
            {
                return _buffer.AsSpan(0, length);
            }
            length += read;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
