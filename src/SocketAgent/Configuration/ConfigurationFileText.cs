using System.Text;
using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// A config file's bytes, read with bounds before any parser sees them: at most <see cref="MaxBytes"/>, UTF-8 text
/// without control characters. A wrong file (a binary, a log, <c>/dev/zero</c> behind a link) is then refused in
/// one line, at once and in bounded memory, instead of reaching a parser whose message says nothing ("Specified
/// cast is not valid.") or that never ends.
/// </summary>
internal static class ConfigurationFileText
{
    /// <summary>1 MiB: every setting with a comment each fits in a few KiB; a file past this is not a config file.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Nesting deeper than this is refused: the settings themselves nest three levels.</summary>
    public const int MaxDepth = 32;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Refuses a path that is not a regular file (symbolic links followed) before a provider opens it: a FIFO's open
    /// would wait for a writer for ever, and a device (<c>/dev/zero</c>) is no configuration. A path that cannot be
    /// examined (missing) is left to the provider, whose message names it.
    /// </summary>
    /// <returns>Why the path is refused, or null.</returns>
    public static unsafe string? NotARegularFile(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        byte* buffer = stackalloc byte[Sys.StatxSize];
        fixed (byte* p = name)
        {
            if (Sys.Statx(Sys.AT_FDCWD, p, 0, Sys.STATX_TYPE, buffer) != 0)
            {
                return null;
            }
        }
        int type = *(ushort*)(buffer + Sys.StatxModeOffset) & Sys.S_IFMT;
        return type switch
        {
            Sys.S_IFREG => null,
            0x4000 => "it is a directory",
            0x1000 => "it is a FIFO (named pipe)",
            0x2000 or 0x6000 => "it is a device",
            0xC000 => "it is a socket",
            _ => "it is not a regular file",
        };
    }

    /// <summary>The file's bytes, a UTF-8 byte-order mark removed.</summary>
    /// <exception cref="FormatException">Too large, not UTF-8, or not text.</exception>
    public static byte[] ReadBytes(Stream stream)
    {
        var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            // Checked as it comes: a binary is named for what it is, not for its size.
            RefuseControlCharacters(chunk.AsSpan(0, read), buffer.Length);
            if (buffer.Length + read > MaxBytes)
            {
                throw new FormatException($"the file is larger than {MaxBytes / (1 << 20)} MiB: not a configuration file");
            }
            buffer.Write(chunk, 0, read);
        }
        byte[] bytes = buffer.ToArray();
        if (bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble))
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }
        try
        {
            s_strictUtf8.GetCharCount(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FormatException($"the file is not UTF-8 text (invalid byte at offset {ex.Index}): save it as UTF-8", ex);
        }
        return bytes;
    }

    /// <summary>
    /// YAML and JSON allow tab, line feed and carriage return, and no other C0 control character (nor DEL): one of
    /// them, a NUL above all, means a binary file.
    /// </summary>
    private static void RefuseControlCharacters(ReadOnlySpan<byte> bytes, long offset)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] < 0x20 && bytes[i] is not ((byte)'\t' or (byte)'\n' or (byte)'\r') || bytes[i] == 0x7F)
            {
                throw new FormatException($"the file is not text (byte 0x{bytes[i]:X2} at offset {offset + i}): expected a YAML or JSON configuration file");
            }
        }
    }

    /// <summary>The file as text: <see cref="ReadBytes"/>, decoded.</summary>
    public static string ReadText(Stream stream) => s_strictUtf8.GetString(ReadBytes(stream));
}
