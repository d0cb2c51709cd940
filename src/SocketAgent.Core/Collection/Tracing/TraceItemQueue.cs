namespace SocketAgent.Collection.Tracing;

/// <summary>
/// The tracer's records between the drain thread and the cycle, first in first out, in chunks of
/// <see cref="ChunkSize"/> records: it holds what it holds and no more (a <see cref="Queue{T}"/> doubles, and for a
/// moment holds both arrays), and after a burst it keeps only a few empty chunks for the next one. Not thread-safe:
/// the tracer uses it under its lock.
/// </summary>
internal sealed class TraceItemQueue
{
    /// <summary>2,048 records of 160 bytes: 320 KiB a chunk.</summary>
    internal const int ChunkSize = 2048;

    /// <summary>
    /// Empty chunks kept for reuse (5 MiB); the rest go back to the GC. Under a burst the queue grows and shrinks by
    /// chunks all the time: a fresh 320 KiB array is zeroed and page-faulted in (8 % of the drain at 20,000
    /// connections a second with 4 spares).
    /// </summary>
    private const int SpareChunks = 16;

    private readonly Queue<TraceItem[]> _chunks = new();
    private readonly Stack<TraceItem[]> _spare = new();
    private TraceItem[]? _tail;
    private int _tailCount;
    private int _headIndex;

    public int Count { get; private set; }

    public void Enqueue(in TraceItem item)
    {
        if (_tail is null || _tailCount == ChunkSize)
        {
            _tail = _spare.Count > 0 ? _spare.Pop() : new TraceItem[ChunkSize];
            _tailCount = 0;
            _chunks.Enqueue(_tail);
        }
        _tail[_tailCount++] = item;
        Count++;
    }

    public TraceItem Dequeue()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("the queue is empty");
        }
        TraceItem[] head = _chunks.Peek();
        TraceItem item = head[_headIndex];
        head[_headIndex] = default;
        _headIndex++;
        Count--;
        if (Count == 0)
        {
            // Empty: keep the last chunk as the tail, start it over.
            while (_chunks.Count > 1)
            {
                Release(_chunks.Dequeue());
            }
            _headIndex = 0;
            _tailCount = 0;
        }
        else if (_headIndex == ChunkSize)
        {
            Release(_chunks.Dequeue());
            _headIndex = 0;
        }
        return item;
    }

    private void Release(TraceItem[] chunk)
    {
        if (_spare.Count < SpareChunks)
        {
            _spare.Push(chunk);
        }
    }
}
