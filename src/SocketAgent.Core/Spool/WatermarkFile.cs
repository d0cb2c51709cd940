using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Spool;

/// <summary>
/// The acknowledgement watermark, <c>watermark</c> in the spool directory: one decimal number and a newline,
/// replaced by rename (written, fsynced, renamed, directory fsynced) so a crash leaves the old value or the new one,
/// never a torn file, and a power loss after the save cannot bring the old one back.
/// <para>
/// Saving needs no new disk block, so it works on a full disk — where the spool needs it most, to free confirmed
/// segments: the new value is written in place into <c>watermark.spare</c> (a file that already has its block), which
/// then replaces <c>watermark</c>; the replaced file, kept under <c>watermark.old</c> meanwhile, becomes the next
/// spare. A crash between the two renames leaves no <c>watermark</c> but <c>watermark.old</c>, which
/// <see cref="Read"/> takes (the older value: at worst a resend). Without a spare (the first save, or one lost to a
/// crash) the save goes through a new temp file and makes the spare afterwards.
/// </para>
/// </summary>
internal static class WatermarkFile
{
    public const string FileName = "watermark";
    public const string TempFileName = FileName + ".tmp";
    public const string SpareFileName = FileName + ".spare";
    public const string OldFileName = FileName + ".old";

    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>Reads the watermark; a missing file is 0, an unreadable one 0 plus an issue (replaying too much is safe).</summary>
    public static long Read(string directory, out SpoolRecoveryIssue? issue)
    {
        issue = null;
        string path = Path.Combine(directory, FileName);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            // A crash between the two renames of a save: the replaced value is under the old name.
            string old = Path.Combine(directory, OldFileName);
            if (!File.Exists(old))
            {
                return 0;
            }
            path = old;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                issue = new SpoolRecoveryIssue(path, 0, 0, $"cannot read the spool watermark '{path}' ({ex.Message}): replaying the whole spool");
                return 0;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            issue = new SpoolRecoveryIssue(path, 0, 0, $"cannot read the spool watermark '{path}' ({ex.Message}): replaying the whole spool");
            return 0;
        }
        if (!long.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            issue = new SpoolRecoveryIssue(path, 0, 0, $"the spool watermark '{path}' does not hold a sequence number: replaying the whole spool");
            return 0;
        }
        return value;
    }

    /// <exception cref="IOException">The file could not be written, or the rename not made durable.</exception>
    public static void Write(string directory, long watermark)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        Span<byte> text = stackalloc byte[24];
        watermark.TryFormat(text, out int length, provider: CultureInfo.InvariantCulture);
        text[length++] = (byte)'\n';
        ReadOnlySpan<byte> content = text[..length];

        string path = Path.Combine(directory, FileName);
        string spare = Path.Combine(directory, SpareFileName);
        string old = Path.Combine(directory, OldFileName);
        if (File.Exists(spare))
        {
            // In place: the spare's first block is already allocated, and the number never outgrows it.
            using (SafeFileHandle handle = File.OpenHandle(spare, FileMode.Open, FileAccess.Write))
            {
                RandomAccess.Write(handle, content, 0);
                RandomAccess.SetLength(handle, content.Length);
                RandomAccess.FlushToDisk(handle);
            }
            if (File.Exists(path))
            {
                File.Move(path, old, overwrite: true);
            }
            File.Move(spare, path);
            File.Move(old, spare, overwrite: true);
            SocketAgent.State.DirectorySync.Flush(directory);
            return;
        }

        WriteReplacing(directory, path, content);
        // The next save goes in place: a spare made now, while there is room (best effort: the temp path still works).
        try
        {
            using var stream = new FileStream(spare, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = Mode });
            stream.Write(content);
        }
        catch (IOException)
        {
            TryDelete(spare);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void WriteReplacing(string directory, string path, ReadOnlySpan<byte> content)
    {
        string temp = Path.Combine(directory, TempFileName);
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = Mode,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException)
        {
            // A full disk: the empty temp file would only be in the way of the next try (and of an operator's ls).
            TryDelete(temp);
            throw;
        }
        SocketAgent.State.DirectorySync.Flush(directory);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
