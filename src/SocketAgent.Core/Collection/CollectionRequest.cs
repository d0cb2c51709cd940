namespace SocketAgent.Collection;

/// <summary>What one pass of <see cref="HostCollector"/> reads beyond what its options always read.</summary>
public sealed record CollectionRequest
{
    /// <summary>The sockets to read (transports, families, listening only, tcp_info).</summary>
    public required SocketQuery Query { get; init; }

    /// <summary>Read the protocol counters this pass (the daemon reads them every <c>stats_interval</c>).</summary>
    public bool Statistics { get; init; }
}
