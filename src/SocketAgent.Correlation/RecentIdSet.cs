using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SocketAgent.Correlation;

/// <summary>
/// About the last <c>capacity</c> event ids, to drop redelivered events (at-least-once input). A four-way
/// set-associative table: an id lives in one of four slots chosen by its random bits (64 bytes, one cache line), and a
/// new id pushes out the oldest of the four. So an id stays until four later ids landed in its set — on average for
/// about <c>capacity</c> ids, sometimes fewer. Forgetting early is harmless: applying an event twice merges to the same
/// state, and the emitted-connection set catches what is already out; only the duplicates counter then misses it.
/// </summary>
/// <remarks>
/// It replaced a <see cref="HashSet{T}"/> with a FIFO queue beside it: at 262,144 ids that was 11 MB touched at three
/// random places per event (bucket, entry, the evicted id's bucket), 10 % of correlate's CPU; this is one 64-byte
/// set, 4 MB, touched once.
/// </remarks>
internal sealed class RecentIdSet
{
    private readonly Guid[] _slots;
    private readonly int _setMask;
    private int _count;

    private const int Ways = 4;

    public RecentIdSet(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity == 0)
        {
            _slots = [];
            return;
        }
        // A power of two of sets of four slots, holding at least `capacity` ids.
        int sets = (int)Math.Min(1u << 28, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (capacity + Ways - 1) / Ways)));
        _slots = new Guid[sets * Ways];
        _setMask = sets - 1;
    }

    /// <summary>Ids held (at most the table's size).</summary>
    public int Count => _count;

    /// <summary>False when <paramref name="id"/> was seen recently.</summary>
    public bool Add(Guid id)
    {
        if (_slots.Length == 0 || id == Guid.Empty)
        {
            return true;
        }
        Span<Guid> set = _slots.AsSpan(SetStart(id), Ways);
        if (set[0] == id || set[1] == id || set[2] == id || set[3] == id)
        {
            return false;
        }
        if (set[Ways - 1] == Guid.Empty)
        {
            _count++;
        }
        // Newest first: the oldest falls off the end.
        set[..(Ways - 1)].CopyTo(set[1..]);
        set[0] = id;
        return true;
    }

    /// <summary>
    /// Asks the CPU to bring <paramref name="id"/>'s set into the cache while the rest of its line is parsed: the table
    /// is megabytes, so <see cref="Add"/> otherwise waits on memory for every event (7 % of correlate's CPU).
    /// </summary>
    public unsafe void Prefetch(Guid id)
    {
        if (Sse.IsSupported && _slots.Length != 0)
        {
            // Unpinned: should the GC move the table meanwhile, a prefetch of the old address is harmless (it never faults).
            Sse.Prefetch0(Unsafe.AsPointer(ref _slots[SetStart(id)]));
        }
    }

    /// <summary>UUIDv7 and v4 ids end in random bits: the last eight bytes pick the set.</summary>
    private int SetStart(Guid id)
    {
        ulong random = MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(new ReadOnlySpan<Guid>(in id))[8..]);
        return (int)((random ^ (random >> 29)) & (uint)_setMask) * Ways;
    }

    /// <summary>Forgets every id (a partition was revoked: its events may come back and must be read again).</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        _count = 0;
    }
}
