namespace SocketAgent.Correlation;

/// <summary>
/// Reads several event files at once, always taking the line with the earliest <c>@timestamp</c> among the files'
/// next lines. Each agent writes in time order, so the join sees one stream in (nearly) event-time order and the
/// one-sided wait means the same as with Kafka — reading one agent's whole day before the other's would expire
/// every connection long before its far end was read.
/// </summary>
internal sealed class EventFileMerger : IDisposable
{
    private readonly EventLineReader[] _readers;
    private readonly long[] _heads;
    private readonly bool[] _live;

    public EventFileMerger(IReadOnlyList<EventLineReader> readers)
    {
        _readers = [.. readers];
        _heads = new long[_readers.Length];
        _live = new bool[_readers.Length];
        for (int i = 0; i < _readers.Length; i++)
        {
            Advance(i);
        }
    }

    /// <summary>The reader whose current line is next, or null at the end of every file.</summary>
    public EventLineReader? Next(out int index)
    {
        index = -1;
        for (int i = 0; i < _readers.Length; i++)
        {
            if (_live[i] && (index < 0 || _heads[i] < _heads[index]))
            {
                index = i;
            }
        }
        return index < 0 ? null : _readers[index];
    }

    /// <summary>Moves reader <paramref name="index"/> past the line just processed.</summary>
    public void Advance(int index)
    {
        _live[index] = _readers[index].MoveNext();
        _heads[index] = _live[index] ? PeekTimestamp(_readers[index].Current.Span) : long.MaxValue;
    }

    /// <summary>The <c>@timestamp</c> near the start of the line (the agent writes it first), or MinValue (take at once).</summary>
    internal static long PeekTimestamp(ReadOnlySpan<byte> line)
    {
        ReadOnlySpan<byte> marker = "\"@timestamp\":\""u8;
        int at = line[..Math.Min(line.Length, 256)].IndexOf(marker);
        if (at < 0)
        {
            return long.MinValue;
        }
        ReadOnlySpan<byte> rest = line[(at + marker.Length)..];
        int quote = rest.IndexOf((byte)'"');
        return quote > 0 && EventTimestamp.TryParse(rest[..quote], out long value) ? value : long.MinValue;
    }

    public void Dispose()
    {
        foreach (EventLineReader reader in _readers)
        {
            reader.Dispose();
        }
    }
}
