namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>network.*</c>.</summary>
public sealed class NetworkFields
{
    /// <summary><c>tcp</c>, <c>udp</c>, <c>raw</c> or <c>unix</c> for sockets; null for other datasets.</summary>
    public string? Transport { get; set; }

    /// <summary><c>ipv4</c> or <c>ipv6</c> (sockets and routes); null for UNIX sockets.</summary>
    public string? Type { get; set; }

    /// <summary>The IP protocol number as a string (ECS keyword): "6", "17", or a raw socket's protocol.</summary>
    public string? IanaNumber { get; set; }

    /// <summary>
    /// ECS <c>network.direction</c> of a TCP or UDP socket: <c>ingress</c>, <c>egress</c> or <c>internal</c> (see
    /// <see cref="ConnectionDirection"/>); null when not resolved and for listeners.
    /// </summary>
    public string? Direction { get; set; }

    /// <summary>Community ID v1 of the flow; only for TCP and UDP sockets with a remote end.</summary>
    public string? CommunityId { get; set; }
}
