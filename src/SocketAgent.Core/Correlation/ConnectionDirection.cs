namespace SocketAgent.Correlation;

/// <summary>The agent's <c>network.direction</c>: whether the local end is the server (ingress) or the client (egress).</summary>
internal enum ConnectionDirection : byte
{
    Unknown,
    Ingress,
    Egress,
    Internal,
    Listening,
}
