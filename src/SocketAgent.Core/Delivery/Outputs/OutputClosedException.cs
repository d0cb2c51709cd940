namespace SocketAgent.Delivery.Outputs;

/// <summary>
/// The reader of a stream output went away (EPIPE: <c>socket-agent | head</c> after <c>head</c> exited). Not an
/// error: the agent has nobody left to write to and should stop cleanly with exit code 0.
/// </summary>
/// <remarks>
/// It is an <see cref="IOException"/> (as <see cref="ILineOutput"/> promises) whose <see cref="Exception.HResult"/>
/// is EPIPE (32), so code that already tells a broken pipe from a real I/O error by its errno keeps doing so.
/// Once thrown, the output stays closed: every later write throws it again without touching the stream.
/// </remarks>
public sealed class OutputClosedException : IOException
{
    /// <summary>EPIPE on Linux: what .NET puts in <see cref="Exception.HResult"/> of the IOException of a failed write(2).</summary>
    internal const int BrokenPipeErrno = 32;

    public OutputClosedException(string outputName, Exception? inner = null)
        : base($"{outputName}: the reader closed the pipe (Broken pipe)", inner)
    {
        OutputName = outputName;
        HResult = BrokenPipeErrno;
    }

    /// <summary>The output whose reader is gone (<c>stdout</c>).</summary>
    public string OutputName { get; }

    /// <summary>True when <paramref name="ex"/> is a write to a pipe nobody reads any more.</summary>
    internal static bool IsBrokenPipe(IOException ex) =>
        ex is OutputClosedException
        || ex.HResult == BrokenPipeErrno
        || ex.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase);
}
