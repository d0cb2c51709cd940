using System.Globalization;

namespace SocketAgent.Spool;

/// <summary>
/// The acknowledgement watermark, <c>watermark</c> in the spool directory: one decimal number and a newline,
/// replaced atomically (temp file, fsync, rename, directory fsync) so a crash leaves the old value or the new one, never
/// a torn file, and a power loss after the save cannot bring the old one back.
/// </summary>
internal static class WatermarkFile
{
    public const string FileName = "watermark";
    public const string TempFileName = FileName + ".tmp";

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
            return 0;
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
                stream.Write(text[..length]);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path.Combine(directory, FileName), overwrite: true);
        }
        catch (IOException)
        {
            // A full disk: the empty temp file would only be in the way of the next try (and of an operator's ls).
            try
            {
                File.Delete(temp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
            }
            throw;
        }
        SocketAgent.State.DirectorySync.Flush(directory);
    }
}
