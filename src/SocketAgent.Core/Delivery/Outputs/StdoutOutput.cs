using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Delivery.Outputs;

/// <summary>
/// JSON lines on a stream (the process's stdout): each line gets its newline, lines collect in a fixed buffer and
/// reach the stream when the buffer fills or at <see cref="Flush"/> (once per cycle), so <c>socket-agent | jq</c>
/// streams cycle by cycle without a write(2) per line.
/// </summary>
/// <remarks>
/// <para>
/// A reader that went away (EPIPE) surfaces as <see cref="OutputClosedException"/> from <see cref="Write"/> or
/// <see cref="Flush"/>; the caller ends the agent with exit code 0. The output then stays closed. The stream must
/// report EPIPE: <see cref="Console.OpenStandardOutput()"/> swallows it (writes to a closed pipe "succeed"), so use
/// <see cref="OpenStandardOutputStream"/>, a FileStream on fd 1, which reports it.
/// </para>
/// <para>
/// Any other <see cref="IOException"/> (stdout redirected to a file on a full disk, EIO) propagates; the lines
/// buffered since the last successful flush are discarded with it, so memory stays bounded. stdout is not a
/// durable output: the file and Kafka outputs are.
/// </para>
/// Not thread-safe: one writer (the agent's cycle) at a time.
/// </remarks>
public sealed class StdoutOutput : ILineOutput
{
    /// <summary>64 KiB: a cycle of a busy host is a few writes, and a pipe takes 64 KiB at once.</summary>
    public const int DefaultBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer;
    private int _count;
    private bool _closed;
    private bool _disposed;

    /// <param name="stream">Where the lines go; it must report EPIPE as an IOException (see remarks).</param>
    /// <param name="bufferSize">Bytes collected before a write to the stream; a longer line is written directly.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open on dispose.</param>
    public StdoutOutput(Stream stream, int bufferSize = DefaultBufferSize, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[bufferSize];
    }

    /// <summary>1 MiB: what an unprivileged process may give a pipe (/proc/sys/fs/pipe-max-size by default).</summary>
    public const int PipeCapacity = 1 << 20;

    /// <summary>
    /// File descriptor 1 as a FileStream (not the console stream, which hides EPIPE), a pipe widened to
    /// <see cref="PipeCapacity"/>. The descriptor itself stays open on dispose: the runtime owns it.
    /// </summary>
    public static Stream OpenStandardOutputStream()
    {
        var handle = new SafeFileHandle(1, ownsHandle: false);
        WidenPipe(handle);
        return new FileStream(handle, FileAccess.Write, bufferSize: 0);
    }

    /// <summary>
    /// Gives a pipe on stdout <see cref="PipeCapacity"/> instead of the kernel's 64 KiB, so a reader that falls behind
    /// for a moment (<c>| jq</c>, a shipper between two reads) does not stop the agent at every 64 KiB write: the kernel
    /// tracer's bursts are several megabytes a second. Anything else (a file, a terminal) is left alone, and so is a
    /// refusal (a pipe limit lowered by the administrator): the pipe then keeps its size.
    /// </summary>
    private static bool WidenPipe(SafeFileHandle handle) =>
        // On anything but a pipe the kernel answers EBADF or EINVAL and nothing changes: no need to look first.
        Interop.Sys.Fcntl((int)handle.DangerousGetHandle(), Interop.Sys.F_SETPIPE_SZ, PipeCapacity) >= PipeCapacity;

    public string Name => "stdout";

    /// <summary>True once the reader has gone (EPIPE seen): every write throws <see cref="OutputClosedException"/>.</summary>
    public bool IsClosed => _closed;

    public void Write(ReadOnlySpan<byte> json)
    {
        ThrowIfUnusable();
        int needed = json.Length + 1;
        if (needed > _buffer.Length - _count)
        {
            Drain();
            if (needed > _buffer.Length)
            {
                // Larger than the whole buffer: straight to the stream, in order after what was buffered.
                WriteToStream(json);
                WriteToStream("\n"u8);
                return;
            }
        }
        json.CopyTo(_buffer.AsSpan(_count));
        _count += json.Length;
        _buffer[_count++] = (byte)'\n';
    }

    public void Flush()
    {
        ThrowIfUnusable();
        Drain();
        try
        {
            _stream.Flush();
        }
        catch (IOException ex) when (OutputClosedException.IsBrokenPipe(ex))
        {
            throw Close(ex);
        }
    }

    /// <summary>Writes what is buffered (a closed reader is not an error here) and closes the stream unless left open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            if (!_closed)
            {
                Drain();
                _stream.Flush();
            }
        }
        catch (IOException ex) when (OutputClosedException.IsBrokenPipe(ex))
        {
            _closed = true;
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                DisposeStream();
            }
        }
    }

    private void DisposeStream()
    {
        try
        {
            _stream.Dispose();
        }
        catch (IOException ex) when (OutputClosedException.IsBrokenPipe(ex))
        {
            // A buffering stream flushes on dispose; nobody is reading.
        }
    }

    private void Drain()
    {
        if (_count == 0)
        {
            return;
        }
        int count = _count;
        // Cleared first: after a failure the buffer is discarded, never written twice.
        _count = 0;
        WriteToStream(_buffer.AsSpan(0, count));
    }

    private void WriteToStream(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _stream.Write(bytes);
        }
        catch (IOException ex) when (OutputClosedException.IsBrokenPipe(ex))
        {
            throw Close(ex);
        }
        catch (IOException)
        {
            _count = 0;
            throw;
        }
    }

    private OutputClosedException Close(IOException ex)
    {
        _closed = true;
        _count = 0;
        return ex as OutputClosedException ?? new OutputClosedException(Name, ex);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_closed)
        {
            throw new OutputClosedException(Name);
        }
    }
}
