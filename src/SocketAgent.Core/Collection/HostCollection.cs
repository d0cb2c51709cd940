using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>One pass of <see cref="HostCollector"/> over the host.</summary>
internal sealed class HostCollection
{
    public required DateTimeOffset Timestamp { get; init; }
    public required HostIdentity Host { get; init; }

    /// <summary>The namespaces read, the agent's own first; one that failed among others is left out (and warned about).</summary>
    public required IReadOnlyList<NamespaceCollection> Namespaces { get; init; }

    /// <summary>Namespaces read by an earlier pass that no longer exist (their last process exited, <c>ip netns del</c>).</summary>
    public required IReadOnlyList<NetworkNamespace> Vanished { get; init; }

    /// <summary>The processes holding the sockets (one table: socket inodes are unique host-wide).</summary>
    public required SocketOwners Owners { get; init; }

    /// <summary>As a <see cref="HostSnapshot"/>: the whole state, for the one-shot views.</summary>
    public HostSnapshot ToSnapshot()
    {
        var states = new List<NamespaceState>(Namespaces.Count);
        foreach (NamespaceCollection ns in Namespaces)
        {
            states.Add(new NamespaceState
            {
                Namespace = ns.Namespace,
                Sockets = ns.Sockets,
                Interfaces = ns.Interfaces ?? [],
                Routes = ns.Routes ?? [],
                Statistics = ns.Statistics,
                SocketSource = ns.SocketSource,
            });
        }
        return new HostSnapshot { Timestamp = Timestamp, Host = Host, Namespaces = states, Owners = Owners };
    }
}
