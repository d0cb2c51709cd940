namespace SocketAgent.Delivery;

/// <summary>
/// A local destination of JSON lines (stdout, a rotating file): written in order, made durable or visible by
/// <see cref="Flush"/> once per cycle. A write that cannot complete throws <see cref="IOException"/>; the caller
/// counts and reports it.
/// </summary>
public interface ILineOutput : IDisposable
{
    string Name { get; }

    /// <summary>Appends one JSON line; <paramref name="json"/> has no newline, the output adds it.</summary>
    void Write(ReadOnlySpan<byte> json);

    void Flush();
}
