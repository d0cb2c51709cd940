namespace SocketAgent.Delivery;

/// <summary>
/// A remote destination (Kafka). <see cref="Produce"/> hands a record over without waiting for the broker; the
/// outcome arrives later through the callback given at construction. The delivery loop reads the spool from its
/// acknowledgement watermark, produces, and moves the watermark over the contiguous prefix of persisted records.
/// </summary>
public interface IRemoteOutput : IDisposable
{
    /// <summary>A short name for logs and metrics (<c>kafka</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Queues <paramref name="record"/> for sending. Returns false when the output's bounded local queue is full
    /// (back off and try again later); throws <see cref="RemoteOutputFatalException"/> when the output must be rebuilt.
    /// </summary>
    bool Produce(DeliveryRecord record);

    /// <summary>Waits up to <paramref name="timeout"/> for queued records to get their outcome; returns how many are still queued.</summary>
    int Flush(TimeSpan timeout);

    /// <summary>Records handed over whose outcome has not arrived yet.</summary>
    int InFlight { get; }
}

/// <summary>The output is unusable (librdkafka's fatal idempotence error): dispose it, build a new one, replay.</summary>
public sealed class RemoteOutputFatalException : Exception
{
    public RemoteOutputFatalException(string message, Exception? inner = null) : base(message, inner) { }
}
