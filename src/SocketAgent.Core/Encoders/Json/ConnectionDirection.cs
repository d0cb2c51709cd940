using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>network.direction</c> of a socket, seen from the host the agent runs on.</summary>
public enum ConnectionDirection : byte
{
    /// <summary>Not resolved (UNIX and raw sockets, a bound but unconnected TCP socket): no direction is written.</summary>
    Unknown,

    /// <summary>A TCP listener or an unconnected UDP socket: waits for peers.</summary>
    Listening,

    /// <summary>The peer connected to us: the local port is a listener on the local address or on the wildcard.</summary>
    Ingress,

    /// <summary>We connected to the peer.</summary>
    Egress,

    /// <summary>The peer is this host: a loopback address or one of the host's own addresses.</summary>
    Internal,
}

/// <summary>Which end of the connection the socket is.</summary>
public enum ConnectionRole : byte
{
    /// <summary>Not known (an internal connection between two ports no listener explains).</summary>
    Unknown,

    /// <summary>The side that connected: ECS <c>client</c> and <c>source</c>.</summary>
    Client,

    /// <summary>The side that listened: ECS <c>server</c> and <c>destination</c>.</summary>
    Server,
}

/// <summary>A socket's direction, and which end of the connection it is (<see cref="ConnectionRole.Server"/> for a listener).</summary>
public readonly record struct ConnectionFlow(ConnectionDirection Direction, ConnectionRole LocalRole)
{
    public static readonly ConnectionFlow Unknown = default;

    /// <summary>The ECS spelling, or null for <see cref="ConnectionDirection.Unknown"/>.</summary>
    public string? EcsName => Direction switch
    {
        ConnectionDirection.Listening => "listening",
        ConnectionDirection.Ingress => "ingress",
        ConnectionDirection.Egress => "egress",
        ConnectionDirection.Internal => "internal",
        _ => null,
    };
}

/// <summary>Tells the direction of a socket (ECS <c>network.direction</c>, <c>source</c>/<c>destination</c>, <c>client</c>/<c>server</c>).</summary>
public interface IConnectionDirectionResolver
{
    /// <summary>The direction of <paramref name="socket"/>; <see cref="ConnectionFlow.Unknown"/> leaves the fields out.</summary>
    ConnectionFlow Resolve(SocketRecord socket);
}
