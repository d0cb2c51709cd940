namespace SocketAgent.Correlation;

/// <summary>The transports correlate joins; everything else in the stream is skipped.</summary>
internal enum ConnectionTransport : byte
{
    None,
    Tcp,
    Udp,
}
