using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>What one pass read in one network namespace.</summary>
internal sealed class NamespaceCollection
{
    public required NetworkNamespace Namespace { get; init; }

    /// <summary>True on the first pass that saw this namespace (a new container, or the agent's first pass).</summary>
    public required bool IsNew { get; init; }

    /// <summary>Every socket matching the query, or empty when sockets are not collected.</summary>
    public required IReadOnlyList<SocketRecord> Sockets { get; init; }

    /// <summary>
    /// <see cref="Sockets"/> holds TCP's listeners but none of its connections: the kernel tracer reports those
    /// (<see cref="SocketQuery.TcpTraced"/>) between the periodic full dumps, so a connection missing here is not closed.
    /// </summary>
    public bool TcpConnectionsOmitted { get; init; }

    /// <summary><c>netlink</c> or <c>procfs</c>: which source read <see cref="Sockets"/>; empty when not collected.</summary>
    public required string SocketSource { get; init; }

    /// <summary>Sockets the kernel reported destroyed since the last pass (sock_diag multicast; following changes only).</summary>
    public required IReadOnlyList<SockDiagDestroyEvent> Destroyed { get; init; }

    /// <summary>Interfaces when they were read this pass (they are re-read only when rtnetlink says they changed); else null.</summary>
    public required IReadOnlyList<InterfaceRecord>? Interfaces { get; init; }

    /// <summary>Routes when they were read this pass; else null.</summary>
    public required IReadOnlyList<RouteRecord>? Routes { get; init; }

    /// <summary>The interfaces as last read, this pass or an earlier one (direction needs the namespace's addresses).</summary>
    public required IReadOnlyList<InterfaceRecord> KnownInterfaces { get; init; }

    /// <summary>The protocol counters, when <see cref="CollectionRequest.Statistics"/> asked for them.</summary>
    public required IReadOnlyList<ProtocolStatistics> Statistics { get; init; }
}
