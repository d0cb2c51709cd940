using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>
/// Turns consecutive route dumps of each network namespace into <c>added</c> / <c>removed</c> / <c>changed</c>
/// events. A route is its <see cref="RouteKey"/>; the same key with another gateway, interface, preferred source,
/// protocol, scope, flags, metrics or next hops is <c>changed</c> (with <see cref="RouteEvent.Previous"/>).
/// The first dump of a namespace gives no events by default (the snapshot lines carry the state); ask for
/// <see cref="FirstSight.Snapshot"/> or <see cref="FirstSight.AsNew"/> to get one event per route. Not thread-safe.
/// </summary>
internal sealed class RouteDiffer
{
    private static readonly RouteEvent[] s_none = [];

    private readonly Dictionary<ulong, Dictionary<RouteKey, RouteRecord>> _namespaces = [];

    public IReadOnlyList<RouteEvent> Apply(
        NetworkNamespace @namespace, IReadOnlyList<RouteRecord> routes, DateTimeOffset at, FirstSight firstSight = FirstSight.Silent)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(routes);

        var current = new Dictionary<RouteKey, RouteRecord>(routes.Count);
        foreach (RouteRecord route in routes)
        {
            int ordinal = 0;
            while (!current.TryAdd(RouteKey.Of(route, ordinal), route))
            {
                ordinal++;
            }
        }

        List<RouteEvent>? events = null;
        if (!_namespaces.TryGetValue(@namespace.Inode, out Dictionary<RouteKey, RouteRecord>? previous))
        {
            _namespaces[@namespace.Inode] = current;
            if (firstSight == FirstSight.Silent)
            {
                return s_none;
            }
            string action = firstSight == FirstSight.Snapshot ? RouteActions.Snapshot : RouteActions.Added;
            foreach (RouteRecord route in current.Values)
            {
                (events ??= []).Add(Event(action, route, null, at, @namespace));
            }
            return events ?? (IReadOnlyList<RouteEvent>)s_none;
        }

        foreach (KeyValuePair<RouteKey, RouteRecord> pair in previous)
        {
            if (!current.ContainsKey(pair.Key))
            {
                (events ??= []).Add(Event(RouteActions.Removed, pair.Value, null, at, @namespace));
            }
        }
        foreach (KeyValuePair<RouteKey, RouteRecord> pair in current)
        {
            if (!previous.TryGetValue(pair.Key, out RouteRecord? before))
            {
                (events ??= []).Add(Event(RouteActions.Added, pair.Value, null, at, @namespace));
            }
            else if (!SameAttributes(before, pair.Value))
            {
                (events ??= []).Add(Event(RouteActions.Changed, pair.Value, before, at, @namespace));
            }
        }
        _namespaces[@namespace.Inode] = current;
        return events ?? (IReadOnlyList<RouteEvent>)s_none;
    }

    /// <summary>Forgets a namespace that no longer exists (its routes went with it; no events).</summary>
    public bool RemoveNamespace(NetworkNamespace @namespace) => _namespaces.Remove(@namespace.Inode);

    /// <summary>Routes currently known, all namespaces together.</summary>
    public int TrackedCount => _namespaces.Values.Sum(routes => routes.Count);

    /// <summary>Everything but the key; the interface name is left out as it follows the index (a rename is an interface event).</summary>
    internal static bool SameAttributes(RouteRecord a, RouteRecord b) =>
        Equals(a.Gateway, b.Gateway) &&
        a.OutputInterfaceIndex == b.OutputInterfaceIndex &&
        Equals(a.PreferredSource, b.PreferredSource) &&
        a.Protocol == b.Protocol &&
        a.Scope == b.Scope &&
        a.Flags == b.Flags &&
        a.Mtu == b.Mtu &&
        a.AdvertisedMss == b.AdvertisedMss &&
        a.Window == b.Window &&
        a.InitialRtt == b.InitialRtt &&
        SameNextHops(a.NextHops, b.NextHops);

    private static bool SameNextHops(IReadOnlyList<RouteNextHop> a, IReadOnlyList<RouteNextHop> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (int i = 0; i < a.Count; i++)
        {
            RouteNextHop x = a[i], y = b[i];
            if (!Equals(x.Gateway, y.Gateway) || x.InterfaceIndex != y.InterfaceIndex || x.Weight != y.Weight || x.Flags != y.Flags)
            {
                return false;
            }
        }
        return true;
    }

    private static RouteEvent Event(string action, RouteRecord route, RouteRecord? previous, DateTimeOffset at, NetworkNamespace @namespace) => new()
    {
        Action = action,
        Route = route,
        Previous = previous,
        Timestamp = at,
        Namespace = @namespace,
    };
}
