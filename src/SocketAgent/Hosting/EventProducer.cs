using System.Threading.Channels;
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
    // By namespace inode: what the steps between passes resolve directions from.
    private readonly Dictionary<ulong, LastPass> _lastPass = [];
    // The namespaces the last pass read (the tracer's events of others are not reported); null: all are.
    private HashSet<ulong>? _selected;

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
        _selected = _allNamespaces ? null : collection.Namespaces.Select(static n => n.Namespace.Inode).ToHashSet();
        ProduceTraced(traced, outputs);
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
            _lastPass.Remove(gone.Inode);
        }
    }

    /// <summary>
    /// A step between two passes: what the sources pushed since the last pass or step — destroy notifications,
    /// namespace by namespace, and the tracer's transitions — goes out now, each event reported as it is taken, so
    /// nothing waits for the next pass (neither in the heap nor in latency). Directions come from each namespace's
    /// last pass. Sockets still open are left to the passes.
    /// </summary>
    public void Stream(IEnumerable<(NetworkNamespace Namespace, ChannelReader<SockDiagDestroyEvent> Destroyed)> destroyed,
        IEnumerable<TracedEvent> traced, OutputSet outputs)
    {
        ProduceTraced(traced, outputs);
        foreach ((NetworkNamespace ns, ChannelReader<SockDiagDestroyEvent> reader) in destroyed)
        {
            // A namespace no pass has reported yet (or one that vanished) has no directions; its closes still go out.
            LastPass? pass = _lastPass.GetValueOrDefault(ns.Inode);
            while (reader.TryRead(out SockDiagDestroyEvent e))
            {
                EmitDestroyed(e, ns, pass, outputs);
            }
        }
    }

    private void ProduceTraced(IEnumerable<TracedEvent> traced, OutputSet outputs)
    {
        foreach (TracedEvent e in traced)
        {
            if (_selected is not null && !_selected.Contains(e.Event.Namespace!.Inode))
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
    }

    private void ProduceNamespace(NamespaceCollection ns, SocketOwners owners, DateTimeOffset now, FirstSight sight, OutputSet outputs)
    {
        // Direction needs the namespace's listeners and addresses: resolved only when there is something to write,
        // by this pass and by the steps until the next one.
        var pass = new LastPass(ns.Sockets, ns.KnownInterfaces);
        _lastPass[ns.Namespace.Inode] = pass;
        // Destroys first: they happened before (or while) this dump was read, and the differ then knows not to
        // close those sockets again when the dump no longer (or still) shows them.
        foreach (SockDiagDestroyEvent destroyed in ns.Destroyed)
        {
            EmitDestroyed(destroyed, ns.Namespace, pass, outputs);
        }
        if (ns.SocketSource.Length > 0)
        {
            IReadOnlyList<SocketEvent> changes = _sockets.Apply(ns.Namespace, ns.Sockets, owners, now, sight, ns.TcpConnectionsOmitted);
            if (changes.Count > 0)
            {
                Emit(changes, pass.Directions, outputs);
            }
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
    }

    /// <summary>
    /// A destroy notification: its <c>closed</c> event, unless the socket's end was already reported. Directions come
    /// from the namespace's last pass (built only when an event goes out), none when no pass read it yet.
    /// </summary>
    private void EmitDestroyed(SockDiagDestroyEvent destroyed, NetworkNamespace ns, LastPass? pass, OutputSet outputs)
    {
        if (_sockets.OnDestroyed(destroyed.Record, destroyed.At, ns) is SocketEvent closed)
        {
            Emit(closed, pass?.Directions, outputs);
        }
    }

    /// <summary>The filters decide; what they keep is emitted and counted by action.</summary>
    private void Emit(IEnumerable<SocketEvent> events, IConnectionDirectionResolver? directions, OutputSet outputs)
    {
        foreach (SocketEvent e in events)
        {
            Emit(e, directions, outputs);
        }
    }

    private void Emit(SocketEvent e, IConnectionDirectionResolver? directions, OutputSet outputs)
    {
        if (_filter.Keep(e))
        {
            outputs.Emit(e, directions);
            Count(SocketCountKey(e.Action));
        }
    }

    /// <summary>A namespace's last pass, as far as directions need it; the resolver is built on first use.</summary>
    private sealed class LastPass(IReadOnlyList<SocketRecord> sockets, IReadOnlyList<InterfaceRecord> interfaces)
    {
        public IConnectionDirectionResolver Directions => field ??= ConnectionDirectionResolver.FromSockets(sockets, interfaces);
    }
}
