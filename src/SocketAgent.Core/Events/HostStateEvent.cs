using SocketAgent.Model;

namespace SocketAgent.Events;

/// <summary>
/// A route change: <c>added</c>, <c>removed</c> or <c>changed</c> (same key — family, table, destination/prefix, source/prefix,
/// tos, metric, type — other attributes).
/// </summary>
public sealed class RouteEvent
{
    public required string Action { get; init; }
    public required RouteRecord Route { get; init; }
    public RouteRecord? Previous { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public NetworkNamespace? Namespace { get; init; }
}

/// <summary>
/// An interface change: <c>up</c>, <c>down</c> (operstate or IFF_UP changed), <c>changed</c> (name, MTU, MAC,
/// flags…), <c>added</c>, <c>removed</c> (the link itself), <c>address_added</c>, <c>address_removed</c>
/// (then <see cref="Address"/> says which).
/// </summary>
public sealed class InterfaceEvent
{
    public required string Action { get; init; }
    public required InterfaceRecord Interface { get; init; }
    public InterfaceRecord? Previous { get; init; }
    public InterfaceAddress? Address { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public NetworkNamespace? Namespace { get; init; }
}
