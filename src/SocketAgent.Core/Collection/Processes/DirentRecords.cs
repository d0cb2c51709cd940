using System.Buffers.Binary;
using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// The <c>struct linux_dirent64</c> records of one getdents64 buffer, for <c>foreach</c> without allocation.
/// A record whose length is impossible (shorter than its header, or past the buffer) ends the enumeration:
/// the kernel never writes one, so it can only mean a wrong buffer length, and reading on would be guessing.
/// </summary>
internal readonly ref struct DirentRecords
{
    public const byte DT_UNKNOWN = 0;
    public const byte DT_DIR = 4;

    private readonly ReadOnlySpan<byte> _buffer;

    public DirentRecords(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    public Enumerator GetEnumerator() => new(_buffer);

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _buffer;
        private int _next;

        internal Enumerator(ReadOnlySpan<byte> buffer) => _buffer = buffer;

        public DirentRecord Current { get; private set; }

        public bool MoveNext()
        {
            int offset = _next;
            if (offset + Sys.DirentNameOffset >= _buffer.Length)
            {
                return false;
            }

            int recordLength = BinaryPrimitives.ReadUInt16LittleEndian(_buffer[(offset + Sys.DirentRecLenOffset)..]);
            if (recordLength <= Sys.DirentNameOffset || offset + recordLength > _buffer.Length)
            {
                _next = _buffer.Length;
                return false;
            }

            ReadOnlySpan<byte> name = _buffer.Slice(offset + Sys.DirentNameOffset, recordLength - Sys.DirentNameOffset);
            int end = name.IndexOf((byte)0);
            Current = new DirentRecord(name[..Math.Max(0, end)], _buffer[offset + Sys.DirentRecLenOffset + 2], offset + Sys.DirentNameOffset);
            _next = offset + recordLength;
            return true;
        }
    }
}

/// <summary>One directory entry: its name (without the NUL), d_type, and where the NUL-terminated name starts in the buffer.</summary>
internal readonly ref struct DirentRecord(ReadOnlySpan<byte> name, byte type, int nameOffset)
{
    public ReadOnlySpan<byte> Name { get; } = name;

    public byte Type { get; } = type;

    /// <summary>The offset of d_name in the getdents64 buffer: a C string the *at() calls can take as is.</summary>
    public int NameOffset { get; } = nameOffset;
}
