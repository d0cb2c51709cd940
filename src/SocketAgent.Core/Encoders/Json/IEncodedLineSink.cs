namespace SocketAgent.Encoders.Json;

/// <summary>
/// Where <see cref="JsonLinesWriter"/> hands each line as soon as it is complete: a stream for the one-shot
/// views (<see cref="StreamLineSink"/>), the daemon's set of outputs otherwise.
/// </summary>
public interface IEncodedLineSink
{
    void Write(in EncodedLine line);

    /// <summary>Pushes what is buffered to its destination (once per snapshot or daemon cycle).</summary>
    void Flush();
}
