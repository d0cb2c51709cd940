namespace SocketAgent.Correlation;

/// <summary>
/// <c>network.direction</c> as the agent wrote it on a socket line. The correlator's own type rather than the writer's
/// enum: what it depends on is the wire text, so it needs nothing of the agent's assemblies.
/// </summary>
internal enum ObservedDirection : byte
{
    /// <summary>Absent or a value this reader does not know.</summary>
    Unknown,

    /// <summary><c>listening</c>: a TCP listener or an unconnected UDP socket.</summary>
    Listening,

    /// <summary><c>ingress</c>: the peer connected to the socket's host.</summary>
    Ingress,

    /// <summary><c>egress</c>: the socket's host connected to the peer.</summary>
    Egress,

    /// <summary><c>internal</c>: the peer is the same host.</summary>
    Internal,
}
