using System.Buffers;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Spool;

/// <summary>
/// One segment file, <c>{first sequence:D20}.seg</c>, and its in-memory index (sequence → offset) so a read seeks
/// straight to a record instead of rescanning the file. Not thread-safe: <see cref="DurableSpool"/> guards it.
/// </summary>
internal sealed class SpoolSegment : IDisposable
{
    public const string Extension = ".seg";
    private const int RecoveryChunkBytes = 1024 * 1024;
    internal const UnixFileMode FileMode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private long[] _sequences = new long[256];
    private int[] _offsets = new int[256];

    private SpoolSegment(string path, long firstSequence, SafeFileHandle handle)
    {
        Path = path;
        FirstSequence = firstSequence;
        Handle = handle;
    }

    public string Path { get; }

    /// <summary>The sequence in the file name: the first record's.</summary>
    public long FirstSequence { get; }

    public SafeFileHandle Handle { get; }

    public int Count { get; private set; }

    /// <summary>Bytes of records in this segment, written to the file or still in the spool's write buffer.</summary>
    public long Length { get; private set; }

    /// <summary>Bytes handed to the kernel; records from here to <see cref="Length"/> are in the write buffer.</summary>
    public long WrittenLength { get; set; }

    /// <summary>Written since the last fsync.</summary>
    public bool Dirty { get; set; }

    public long LastSequence => Count == 0 ? FirstSequence - 1 : _sequences[Count - 1];

    public static string FileName(long firstSequence) => firstSequence.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParseFileName(string fileName, out long firstSequence)
    {
        firstSequence = 0;
        return fileName.Length == 20 + Extension.Length
            && fileName.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out firstSequence);
    }

    public static SpoolSegment Create(string directory, long firstSequence)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string path = System.IO.Path.Combine(directory, FileName(firstSequence));
        // File.OpenHandle has no creation mode: create it 0640 first (events hold command lines: not for everyone).
        new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = FileMode0640 }).Dispose();
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new SpoolSegment(path, firstSequence, handle) { Dirty = true };
    }

    /// <summary>
    /// Opens an existing segment and indexes every valid record from the start, stopping at the first length out of
    /// bounds, checksum mismatch, torn record, or sequence not above <paramref name="previousSequence"/> (and the
    /// previous record's). Whatever follows is cut off (the file is truncated) and described in <paramref name="issue"/>.
    /// </summary>
    public static SpoolSegment Recover(string path, long nameSequence, long previousSequence, out SpoolRecoveryIssue? issue)
    {
        issue = null;
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var segment = new SpoolSegment(path, nameSequence, handle);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            string? problem = segment.Index(fileLength, previousSequence);
            if (problem is not null)
            {
                long cut = fileLength - segment.Length;
                issue = new SpoolRecoveryIssue(path, segment.Length, cut,
                    $"spool segment '{path}': {problem} at offset {segment.Length}; cut off {cut} bytes after {segment.Count} good records");
                RandomAccess.SetLength(handle, segment.Length);
                RandomAccess.FlushToDisk(handle);
            }
            segment.WrittenLength = segment.Length;
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    private string? Index(long fileLength, long previousSequence)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(RecoveryChunkBytes);
        try
        {
            long bufferStart = 0;
            int bufferLength = 0;
            int at = 0;
            while (true)
            {
                long position = bufferStart + at;
                if (position == fileLength)
                {
                    return null;
                }
                bool more = bufferStart + bufferLength < fileLength;
                int framed = SpoolRecordFormat.Validate(buffer.AsSpan(at, bufferLength - at), more, out long sequence);
                if (framed == 0)
                {
                    // Refill from this record on, growing the buffer for a record larger than it.
                    int needed = Math.Max(RecoveryChunkBytes, bufferLength - at + SpoolRecordFormat.HeaderBytes);
                    if (bufferLength - at >= SpoolRecordFormat.HeaderBytes)
                    {
                        needed = Math.Max(needed, SpoolRecordFormat.HeaderBytes + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at)));
                    }
                    if (needed > buffer.Length)
                    {
                        byte[] larger = ArrayPool<byte>.Shared.Rent(needed);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    bufferStart = position;
                    bufferLength = ReadFully(buffer.AsSpan(0, (int)Math.Min(buffer.Length, fileLength - position)), position);
                    at = 0;
                    continue;
                }
                if (framed < 0)
                {
                    return fileLength - position < SpoolRecordFormat.HeaderBytes ? "a torn record header" : "a torn or corrupt record (length or checksum)";
                }
                if (sequence <= previousSequence)
                {
                    return $"sequence {sequence} not above {previousSequence}";
                }
                if (Count == 0 && sequence != FirstSequence)
                {
                    return $"first sequence {sequence} differs from the file name's {FirstSequence}";
                }
                Add(sequence, framed);
                previousSequence = sequence;
                at += framed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="offset"/>.</summary>
    public int ReadFully(Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(Handle, destination[total..], offset + total);
            if (read == 0)
            {
                throw new IOException($"spool segment '{Path}' is shorter than its index (truncated by someone else?)");
            }
            total += read;
        }
        return total;
    }

    /// <summary>Indexes a record of <paramref name="framedLength"/> bytes appended at <see cref="Length"/>.</summary>
    public void Add(long sequence, int framedLength)
    {
        if (Count == _sequences.Length)
        {
            Array.Resize(ref _sequences, Count * 2);
            Array.Resize(ref _offsets, Count * 2);
        }
        _sequences[Count] = sequence;
        _offsets[Count] = (int)Length;
        Count++;
        Length += framedLength;
    }

    /// <summary>The index of the first record with a sequence above <paramref name="sequence"/> (<see cref="Count"/> when none).</summary>
    public int IndexAfter(long sequence)
    {
        int found = Array.BinarySearch(_sequences, 0, Count, sequence);
        return found >= 0 ? found + 1 : ~found;
    }

    public long SequenceAt(int index) => _sequences[index];

    /// <summary>The first record not yet handed to the kernel (still in the spool's write buffer); null when none.</summary>
    public long? FirstUnwritten()
    {
        if (WrittenLength >= Length)
        {
            return null;
        }
        // Records are contiguous: the first one starting at or after WrittenLength is the first unwritten one.
        int found = Array.BinarySearch(_offsets, 0, Count, (int)WrittenLength);
        return _sequences[found >= 0 ? found : ~found];
    }

    public long OffsetAt(int index) => index < Count ? _offsets[index] : Length;

    public void Dispose() => Handle.Dispose();
}
