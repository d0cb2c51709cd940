using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.State;

/// <summary>
/// The <c>event-sequence</c> file: how far the agent may number events (<see cref="Reserved"/>) and the last number
/// whose line is known to be out (<see cref="Flushed"/>). Numbers are handed out only below a reservation already on
/// disk, so a run that ends any way at all — kill -9, a crash, a full disk — is followed by one that starts above
/// everything the first could have used: a gap is possible (and named by a <c>loss</c> line), a reuse is not.
/// </summary>
/// <remarks>
/// <para>Two fixed-size text slots, written alternately in place (<c>pwrite</c> + <c>fdatasync</c>), each
/// <c>v2 g=GENERATION r=RESERVED f=FLUSHED h=CHECKSUM</c>. Writing in place needs no new disk block, so the file
/// keeps working on a full disk, where a temp file + rename would fail; two slots and a checksum mean a write torn by
/// a power loss leaves the other, older slot to read. The newest valid slot wins.</para>
/// <para>A file of the previous format (one decimal number, the last number emitted, saved after each flush) is read
/// as a clean stop at that number and rewritten in this format.</para>
/// </remarks>
internal sealed class SequenceFile : IDisposable
{
    private const int SlotBytes = 96;
    private const string Magic = "v2";

    private readonly SafeFileHandle _handle;
    private readonly byte[] _slot = new byte[SlotBytes];
    private long _generation;

    private SequenceFile(SafeFileHandle handle, long generation, long reserved, long flushed)
    {
        _handle = handle;
        _generation = generation;
        Reserved = reserved;
        Flushed = flushed;
    }

    /// <summary>Every number up to this one may have been handed out; the next run starts above it.</summary>
    public long Reserved { get; private set; }

    /// <summary>The last number whose line was flushed to the outputs (equal to <see cref="Reserved"/> after a clean stop).</summary>
    public long Flushed { get; private set; }

    /// <summary>
    /// Opens <paramref name="path"/>, creating it (numbering from 1) when missing. A file that cannot be parsed gives a
    /// warning and starts at 0 (the new <c>agent.ephemeral_id</c> makes that visible), as before.
    /// </summary>
    /// <exception cref="IOException">The file cannot be created, read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be opened.</exception>
    public static SequenceFile Open(string path, UnixFileMode mode, Action<string>? warn)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        // A crash during the one-time rewrite below can leave its temp file: the real file is still whole.
        File.Delete(path + ".tmp");
        bool exists = File.Exists(path);
        (long generation, long reserved, long flushed, bool current) = exists ? Parse(File.ReadAllBytes(path), path, warn) : (0, 0, 0, false);
        if (!current)
        {
            // New, or the old one-number format: written once the classic way (temp, fsync, rename, directory fsync)
            // at its full size, so that every later write is in place.
            byte[] initial = new byte[SlotBytes * 2];
            FormatSlot(initial.AsSpan(0, SlotBytes), generation + 1, reserved, flushed);
            FormatSlot(initial.AsSpan(SlotBytes, SlotBytes), generation, reserved, flushed);
            WriteReplacing(path, initial, mode);
            generation++;
        }
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new SequenceFile(handle, generation, reserved, flushed);
    }

    /// <summary>Reads the file as <see cref="Open"/> would, without changing it (operators' tools, tests).</summary>
    public static (long Reserved, long Flushed) Read(string path)
    {
        (_, long reserved, long flushed, _) = Parse(File.ReadAllBytes(path), path, warn: null);
        return (reserved, flushed);
    }

    /// <summary>Persists both numbers in the older slot (so the newer one survives a torn write) and syncs it.</summary>
    public void Write(long reserved, long flushed)
    {
        long generation = _generation + 1;
        FormatSlot(_slot, generation, reserved, flushed);
        RandomAccess.Write(_handle, _slot, (generation & 1) * SlotBytes);
        RandomAccess.FlushToDisk(_handle);
        _generation = generation;
        Reserved = reserved;
        Flushed = flushed;
    }

    public void Dispose() => _handle.Dispose();

    private static (long Generation, long Reserved, long Flushed, bool Current) Parse(byte[] content, string path, Action<string>? warn)
    {
        if (content.Length == SlotBytes * 2)
        {
            (long Generation, long Reserved, long Flushed)? best = null;
            for (int slot = 0; slot < 2; slot++)
            {
                if (TryParseSlot(content.AsSpan(slot * SlotBytes, SlotBytes), out long g, out long r, out long f) && (best is null || g > best.Value.Generation))
                {
                    best = (g, r, f);
                }
            }
            if (best is { } found)
            {
                return (found.Generation, found.Reserved, found.Flushed, true);
            }
        }
        else if (long.TryParse(Encoding.ASCII.GetString(content).AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long last))
        {
            return (0, last, last, false);
        }
        warn?.Invoke($"'{path}' does not hold a sequence number: event.sequence starts again at 1");
        return (0, 0, 0, false);
    }

    private static bool TryParseSlot(ReadOnlySpan<byte> slot, out long generation, out long reserved, out long flushed)
    {
        generation = reserved = flushed = 0;
        string text = Encoding.ASCII.GetString(slot).TrimEnd(' ', '\n');
        int hash = text.LastIndexOf(" h=", StringComparison.Ordinal);
        if (hash < 0 || !uint.TryParse(text.AsSpan(hash + 3), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint sum)
            || sum != Checksum(Encoding.ASCII.GetBytes(text[..hash])))
        {
            return false;
        }
        string[] fields = text[..hash].Split(' ');
        return fields is [Magic, _, _, _]
            && TryField(fields[1], "g=", out generation)
            && TryField(fields[2], "r=", out reserved)
            && TryField(fields[3], "f=", out flushed)
            && flushed <= reserved;
    }

    private static bool TryField(string field, string name, out long value)
    {
        value = 0;
        return field.StartsWith(name, StringComparison.Ordinal)
            && long.TryParse(field.AsSpan(name.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static void FormatSlot(Span<byte> slot, long generation, long reserved, long flushed)
    {
        string body = string.Create(CultureInfo.InvariantCulture, $"{Magic} g={generation} r={reserved} f={flushed}");
        string line = string.Create(CultureInfo.InvariantCulture, $"{body} h={Checksum(Encoding.ASCII.GetBytes(body)):x8}");
        slot.Fill((byte)' ');
        Encoding.ASCII.GetBytes(line, slot);
        slot[^1] = (byte)'\n';
    }

    /// <summary>FNV-1a: enough to tell a whole slot from one a power loss tore.</summary>
    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }
        return hash;
    }

    /// <summary>temp file + fsync + rename(2) + directory fsync: the old or the new content survives any crash.</summary>
    internal static void WriteReplacing(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
            throw;
        }
    }
}
