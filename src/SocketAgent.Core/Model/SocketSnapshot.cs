namespace SocketAgent.Model;

/// <summary>Every socket seen in one collection pass, with the processes that own them.</summary>
public sealed class SocketSnapshot
{
    public required DateTimeOffset Timestamp { get; init; }
    public required HostIdentity Host { get; init; }
    public required IReadOnlyList<SocketRecord> Sockets { get; init; }
    public required SocketOwners Owners { get; init; }

    /// <summary>The source that read the sockets: <c>netlink</c> or <c>procfs</c>.</summary>
    public required string Source { get; init; }
}
