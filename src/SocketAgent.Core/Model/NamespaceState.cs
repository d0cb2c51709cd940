namespace SocketAgent.Model;

/// <summary>Everything collected inside one network namespace: its sockets, interfaces, routes and counters.</summary>
public sealed class NamespaceState
{
    public required NetworkNamespace Namespace { get; init; }
    public IReadOnlyList<SocketRecord> Sockets { get; init; } = [];
    public IReadOnlyList<InterfaceRecord> Interfaces { get; init; } = [];
    public IReadOnlyList<RouteRecord> Routes { get; init; } = [];
    public IReadOnlyList<ProtocolStatistics> Statistics { get; init; } = [];

    /// <summary>The source that read the sockets: <c>netlink</c> or <c>procfs</c>.</summary>
    public string SocketSource { get; init; } = string.Empty;
}
