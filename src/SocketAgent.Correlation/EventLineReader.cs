namespace SocketAgent.Correlation;

/// <summary>
/// Splits a stream of JSON lines into lines without decoding them: one reusable buffer, grown for a long line up to
/// <see cref="MaxLineLength"/> (a longer line is skipped and reported as too long). The current line stays valid
/// until the next <see cref="MoveNext"/>, so several readers can be merged.
/// </summary>
internal sealed class EventLineReader : IDisposable
{
    public const int MaxLineLength = 16 << 20;
    private readonly Stream _stream;

    /// <summary>
    /// 128 KiB: what a read copies in is scanned for newlines and parsed right after, while it is still in the core's
    /// L2 cache; with 1 MiB per file (two files merged) each line had left it by then.
    /// </summary>
    private byte[] _buffer = new byte[1 << 17];
    private int _start;
    private int _end;
    private bool _eof;

    public EventLineReader(Stream stream, string name)
    {
        _stream = stream;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The line number of <see cref="Current"/> (1-based).</summary>
    public long LineNumber { get; private set; }

    public ReadOnlyMemory<byte> Current { get; private set; }

    /// <summary>Lines longer than <see cref="MaxLineLength"/>, skipped.</summary>
    public long TooLong { get; private set; }

    public bool MoveNext()
    {
        int scanFrom = _start;
        while (true)
        {
            int newline = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int lineEnd = scanFrom + newline;
                Current = _buffer.AsMemory(_start, lineEnd - _start);
                _start = lineEnd + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                if (_start < _end)
                {
                    Current = _buffer.AsMemory(_start, _end - _start); // a last line without its newline
                    _start = _end;
                    LineNumber++;
                    return true;
                }
                Current = default;
                return false;
            }

            scanFrom = _end;
            if (_start > 0 && _end == _buffer.Length)
            {
                // Move the partial line to the front before reading more.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                scanFrom -= _start;
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxLineLength)
                {
                    // Drop the line's head; the rest, up to its newline, is dropped by the reads that follow.
                    TooLong++;
                    SkipRestOfLine();
                    scanFrom = _start;
                    continue;
                }
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }
            _end += read;
        }
    }

    private void SkipRestOfLine()
    {
        _start = _end = 0;
        while (true)
        {
            int read = _stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0)
            {
                _eof = true;
                return;
            }
            int newline = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _start = newline + 1;
                _end = read;
                LineNumber++;
                return;
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
