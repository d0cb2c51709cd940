using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Tracing;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The daemon's event stage: it turns each pass of the collector into events — sock_diag destroy notifications
/// and the differences between passes for sockets, routes and interfaces — keeps those the filters let through,
/// and emits them to the output stage. It owns the state the differences need (the last pass of every namespace).
/// Transitions from the kernel tracer go through the same differ first (keyed by cookie), so a socket is opened
/// and closed once whichever source saw it first.
/// </summary>
internal sealed class EventProducer
{
    private readonly SocketDiffer _sockets = new(new SocketDifferOptions { DestroyEventsExpected = true });
    private readonly RouteDiffer _routes = new();
    private readonly InterfaceDiffer _interfaces = new();
    private SocketFilter _filter;
    // Dropped by the filters a SIGHUP replaced: the heartbeat's filtered_out counts since start.
    private long _filteredOutBefore;
    private readonly bool _routesWanted;
    private readonly bool _allNamespaces;
    private readonly bool _interfacesWanted;
    private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <param name="filter">The filters.</param>
    /// <param name="parts">What is collected.</param>
    /// <param name="allNamespaces">netns: all (the tracer's events of every namespace are reported, not only the collected ones').</param>
    public EventProducer(SocketFilter filter, CollectedParts parts, bool allNamespaces)
    {
        _allNamespaces = allNamespaces;
        _filter = filter;
        _routesWanted = (parts & CollectedParts.Routes) != 0;
        _interfacesWanted = (parts & CollectedParts.Interfaces) != 0;
    }

    /// <summary>Sockets the differ follows.</summary>
    public int SocketsTracked => _sockets.TrackedCount;

    /// <summary>Socket events the filters dropped.</summary>
    public long FilteredOut => _filteredOutBefore + _filter.Dropped;

    /// <summary>
    /// New filters (a reload): they decide for the events produced from now on. The differ keeps following every
    /// socket, so a socket the old filters hid and the new ones show is reported at its next change.
    /// </summary>
    public void UseFilter(SocketFilter filter)
    {
        _filteredOutBefore += _filter.Dropped;
        _filter = filter;
    }

    /// <summary>Events emitted, by <c>dataset.action</c>.</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts;

    /// <summary>"socket." + the action's ECS name, made once per action (the values run from 0) rather than per event.</summary>
    private static readonly string[] s_socketCountKeys =
        [.. Enum.GetValues<SocketEventAction>().Order().Select(static (a, i) => (int)a == i ? "socket." + a.ToEcsName() : "")];

    private static string SocketCountKey(SocketEventAction action) =>
        (uint)action < (uint)s_socketCountKeys.Length && s_socketCountKeys[(int)action].Length > 0
            ? s_socketCountKeys[(int)action]
            : "socket." + action.ToEcsName();

    /// <summary>Counts a line emitted outside the differences (counters, loss lines).</summary>
    public void Count(string key, long delta = 1) => _counts[key] = _counts.GetValueOrDefault(key) + delta;

    /// <param name="collection">The pass.</param>
    /// <param name="agentFirst">The agent's first pass: its state is the <c>snapshot</c>; a namespace that appears later is new.</param>
    /// <param name="outputs">Where the events go.</param>
    /// <param name="traced">The tracer's transitions drained after the pass was read (so newer than it), in order;
    /// enumerated once, each event emitted before the next is taken.</param>
    public void Produce(HostCollection collection, IEnumerable<TracedEvent> traced, bool agentFirst, OutputSet outputs)
    {
        // The tracer sees every namespace; netns (host, a path) selects which are reported, as for snapshots.
        HashSet<ulong>? selected = null;
        foreach (TracedEvent e in traced)
        {
            if (!_allNamespaces &&
                !(selected ??= collection.Namespaces.Select(static n => n.Namespace.Inode).ToHashSet()).Contains(e.Event.Namespace!.Inode))
            {
                continue;
            }
            // A UDP flow (socket + remote endpoint) is complete as the tracer made it: the differ's identity is the socket.
            SocketEvent? completed = e.Event.Socket.Transport == Transport.Udp ? e.Event : _sockets.OnTraced(e.Event);
            if (completed is not null && _filter.Keep(completed))
            {
                outputs.Emit(completed, e.Directions);
                Count(SocketCountKey(completed.Action));
            }
        }
        FirstSight sight = agentFirst ? FirstSight.Snapshot : FirstSight.AsNew;
        foreach (NamespaceCollection ns in collection.Namespaces)
        {
            ProduceNamespace(ns, collection.Owners, collection.Timestamp, sight, outputs);
        }
        foreach (NetworkNamespace gone in collection.Vanished)
        {
            // The namespace is gone (its last process exited, `ip netns del`): so are its sockets.
            Emit(_sockets.RemoveNamespace(gone, collection.Timestamp), directions: null, outputs);
            _routes.RemoveNamespace(gone);
            _interfaces.RemoveNamespace(gone);
        }
    }

    private void ProduceNamespace(NamespaceCollection ns, SocketOwners owners, DateTimeOffset now, FirstSight sight, OutputSet outputs)
    {
        var socketEvents = new List<SocketEvent>();
        // Destroys first: they happened before (or while) this dump was read, and the differ then knows not to
        // close those sockets again when the dump no longer (or still) shows them.
        foreach (SockDiagDestroyEvent destroyed in ns.Destroyed)
        {
            if (_sockets.OnDestroyed(destroyed.Record, destroyed.At, ns.Namespace) is SocketEvent closed)
            {
                socketEvents.Add(closed);
            }
        }
        if (ns.SocketSource.Length > 0)
        {
            socketEvents.AddRange(_sockets.Apply(ns.Namespace, ns.Sockets, owners, now, sight));
        }
        if (_routesWanted && ns.Routes is { } routes)
        {
            foreach (RouteEvent e in _routes.Apply(ns.Namespace, routes, now, sight))
            {
                outputs.Emit(e);
                Count("route." + e.Action);
            }
        }
        if (_interfacesWanted && ns.Interfaces is { } interfaces)
        {
            foreach (InterfaceEvent e in _interfaces.Apply(ns.Namespace, interfaces, now, sight))
            {
                outputs.Emit(e);
                Count("interface." + e.Action);
            }
        }
        if (socketEvents.Count > 0)
        {
            // Direction needs the namespace's listeners and addresses: built only when there is something to write.
            Emit(socketEvents, ConnectionDirectionResolver.FromSockets(ns.Sockets, ns.KnownInterfaces), outputs);
        }
    }

    /// <summary>The filters decide; what they keep is emitted and counted by action.</summary>
    private void Emit(IEnumerable<SocketEvent> events, IConnectionDirectionResolver? directions, OutputSet outputs)
    {
        foreach (SocketEvent e in events)
        {
            if (_filter.Keep(e))
            {
                outputs.Emit(e, directions);
                Count(SocketCountKey(e.Action));
            }
        }
    }
}
