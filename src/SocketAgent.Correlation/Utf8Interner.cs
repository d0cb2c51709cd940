using System.Runtime.InteropServices;

namespace SocketAgent.Correlation;

/// <summary>
/// One shared copy of each raw JSON value that recurs across events — host names, agent ids, process names, command
/// lines, argv arrays: one host runs few distinct processes, so millions of events hold a few thousand arrays. Looked
/// up by span, so a value already seen costs no allocation. Bounded: past <see cref="Capacity"/> distinct values it
/// stops remembering new ones (they are then copied per event), it never grows without limit.
/// </summary>
internal sealed class Utf8Interner
{
    private readonly HashSet<byte[]> _values;
    private readonly HashSet<byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public Utf8Interner(int capacity)
    {
        Capacity = capacity;
        _values = new HashSet<byte[]>(ByteContentComparer.Instance);
        _lookup = _values.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Capacity { get; }

    public int Count => _values.Count;

    public byte[] Intern(ReadOnlySpan<byte> value)
    {
        if (_lookup.TryGetValue(value, out byte[]? existing))
        {
            return existing;
        }
        byte[] copy = value.ToArray();
        if (_values.Count < Capacity)
        {
            _values.Add(copy);
        }
        return copy;
    }

    private sealed class ByteContentComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteContentComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        /// <summary>Random per process, as <see cref="HashCode"/>'s seed is, so no input can aim at one bucket.</summary>
        private static readonly ulong s_seed = (ulong)Random.Shared.NextInt64();

        /// <summary>
        /// Eight bytes per multiply (<see cref="HashCode.AddBytes"/> mixes four at a time): every event hashes its host,
        /// agent, process name, state and argv here, ~200 bytes, so this was 4 % of correlate's CPU.
        /// </summary>
        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            const ulong Multiplier = 0x9E3779B97F4A7C15;
            ulong hash = s_seed ^ (ulong)alternate.Length;
            while (alternate.Length >= sizeof(ulong))
            {
                hash = (hash ^ MemoryMarshal.Read<ulong>(alternate)) * Multiplier;
                hash ^= hash >> 29;
                alternate = alternate[sizeof(ulong)..];
            }
            ulong tail = 0;
            foreach (byte b in alternate)
            {
                tail = (tail << 8) | b;
            }
            hash = (hash ^ tail) * Multiplier;
            return (int)(hash ^ (hash >> 32));
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
