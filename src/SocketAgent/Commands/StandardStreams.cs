using System.Text;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// The process's stdout (data only) and stderr (diagnostics only). Commands take this instead of
/// <see cref="Console"/> so tests can run the CLI in-process and capture both.
/// </summary>
internal sealed class StandardStreams
{
    public static readonly Encoding Utf8NoBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public StandardStreams(Stream output, TextWriter error)
    {
        Output = output;
        Error = error;
    }

    public Stream Output { get; }
    public TextWriter Error { get; }

    public static StandardStreams FromConsole() =>
        new(Console.OpenStandardOutput(), new StreamWriter(Console.OpenStandardError(), Utf8NoBom) { AutoFlush = true });

    /// <summary>True when an IOException means the reader went away (EPIPE, e.g. <c>| head</c>): not an error.</summary>
    public static bool IsBrokenPipe(IOException ex) =>
        ex.HResult == 32 || ex.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase);
}
