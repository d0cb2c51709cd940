using System.Globalization;
using System.IO.Compression;

namespace SocketAgent.Delivery.Outputs;

/// <summary>
/// The renames of one rotation: <c>PATH.N</c> (or <c>PATH.N.gz</c>) becomes <c>PATH.N+1</c>, whatever would pass
/// <c>Keep</c> is deleted, the live file becomes <c>PATH.1</c>, then is gzipped when asked. Files are found by
/// listing the directory, so a changed <c>Keep</c>, a toggled <c>Compress</c> or a crash between two steps leaves
/// nothing behind for good.
/// </summary>
internal static class FileRotation
{
    private const string GzipSuffix = ".gz";
    private const string TempSuffix = ".tmp";

    /// <summary>Shifts the rotated files and renames <paramref name="path"/> to <c>PATH.1</c>; returns that name (null when Keep is 0 and the file was deleted).</summary>
    public static string? Rotate(string path, int keep)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string prefix = Path.GetFileName(path) + ".";

        var rotated = new List<(int Index, string Name, bool Gzip)>();
        foreach (string file in Directory.EnumerateFiles(directory, prefix + "*"))
        {
            string name = Path.GetFileName(file);
            // The pattern's ".*" also matches the live file itself (DOS wildcard rules).
            if (name.Length <= prefix.Length || !name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (name.EndsWith(GzipSuffix + TempSuffix, StringComparison.Ordinal))
            {
                // A compression cut short by a crash: its uncompressed source is still there.
                TryDelete(file);
            }
            else if (TryParseIndex(name.AsSpan(prefix.Length), out int index, out bool gzip))
            {
                rotated.Add((index, file, gzip));
            }
        }

        // Oldest first, so every rename goes to a name already vacated.
        rotated.Sort((a, b) => b.Index.CompareTo(a.Index));
        foreach ((int index, string file, bool gzip) in rotated)
        {
            if (index >= keep)
            {
                File.Delete(file);
            }
            else
            {
                File.Move(file, Name(path, index + 1, gzip), overwrite: true);
            }
        }

        if (keep == 0)
        {
            File.Delete(path);
            return null;
        }
        string first = Name(path, 1, gzip: false);
        File.Move(path, first, overwrite: true);
        return first;
    }

    /// <summary>Gzips <paramref name="file"/> into <c>FILE.gz</c> (through a temp name, so a crash never leaves a truncated .gz) and deletes it.</summary>
    public static void Compress(string file, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string target = file + GzipSuffix;
        string temp = target + TempSuffix;
        try
        {
            WriteGzip(file, temp, mode);
        }
        catch
        {
            // PATH.N stays uncompressed (and is shifted like the others): never lost. The partial .gz goes.
            TryDelete(temp);
            throw;
        }
        File.Move(temp, target, overwrite: true);
        File.Delete(file);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void WriteGzip(string file, string temp, UnixFileMode mode)
    {
        using (FileStream source = new(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16))
        using (FileStream destination = new(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = mode,
            BufferSize = 1 << 16,
        }))
        {
            File.SetUnixFileMode(destination.SafeFileHandle, mode);
            using (GZipStream gzip = new(destination, CompressionLevel.Optimal, leaveOpen: true))
            {
                source.CopyTo(gzip);
            }
            destination.Flush(flushToDisk: true);
        }
    }

    internal static string Name(string path, int index, bool gzip) =>
        string.Concat(path, ".", index.ToString(CultureInfo.InvariantCulture), gzip ? GzipSuffix : "");

    /// <summary>"3" or "3.gz" → 3; anything else (another file that shares the prefix) is not ours.</summary>
    private static bool TryParseIndex(ReadOnlySpan<char> suffix, out int index, out bool gzip)
    {
        gzip = suffix.EndsWith(GzipSuffix, StringComparison.Ordinal);
        if (gzip)
        {
            suffix = suffix[..^GzipSuffix.Length];
        }
        return int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index > 0;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
    }
}
