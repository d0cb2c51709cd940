namespace SocketAgent.Model;

/// <summary>
/// One collection pass over the host: the state of each selected network namespace (the agent's own first),
/// and one process table for all of them (socket inodes are unique host-wide).
/// </summary>
public sealed class HostSnapshot
{
    public required DateTimeOffset Timestamp { get; init; }
    public required HostIdentity Host { get; init; }
    public required IReadOnlyList<NamespaceState> Namespaces { get; init; }
    public required SocketOwners Owners { get; init; }

    /// <summary>The sockets of one namespace as a <see cref="SocketSnapshot"/>, the shape the socket writers take.</summary>
    public SocketSnapshot SocketsOf(NamespaceState state) => new()
    {
        Timestamp = Timestamp,
        Host = Host,
        Sockets = state.Sockets,
        Owners = Owners,
        Source = state.SocketSource,
    };
}
