namespace SocketAgent.Encoders.Json;

/// <summary>One JSON line of dataset <c>route</c>: one route of a routing table.</summary>
public sealed class RouteDocument : HostStateDocument
{
    public required RouteJson Route { get; set; }
}
