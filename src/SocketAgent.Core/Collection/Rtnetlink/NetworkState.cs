using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>The interfaces (with their addresses) and routes of one network namespace, as one collection pass saw them.</summary>
internal sealed class NetworkState
{
    /// <summary>Links in the kernel's order (by index), each with its addresses.</summary>
    public required IReadOnlyList<InterfaceRecord> Interfaces { get; init; }

    /// <summary>IPv4 routes of every table, then IPv6 routes of every table, in the kernel's order.</summary>
    public required IReadOnlyList<RouteRecord> Routes { get; init; }

    /// <summary><c>netlink</c>, or <c>procfs</c> for the /proc/net fallback (which knows less: see <see cref="ProcNetRouteReader"/>).</summary>
    public required string Source { get; init; }
}
