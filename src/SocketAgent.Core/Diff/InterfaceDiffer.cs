using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>
/// Turns consecutive link + address dumps of each network namespace into interface events. A link is its ifindex
/// within the namespace; an address is its address/prefix within the link.
/// </summary>
/// <remarks>
/// <c>added</c> / <c>removed</c>: the link appeared / disappeared; its addresses follow as <c>address_added</c> /
/// precede as <c>address_removed</c>, so a consumer can keep an address table from address events alone.
/// <c>up</c> / <c>down</c>: the link crossed between usable (IFF_UP and operstate up or unknown — loopback and
/// tun report unknown) and not. <c>changed</c>: name, MTU, hardware address, link type, kind, master, or a flag other
/// than UP / RUNNING / LOWER_UP / DORMANT (those make up/down) differs; carries <see cref="InterfaceEvent.Previous"/>.
/// Counters always move and are never a change. The first dump of a namespace gives no events by default.
/// Not thread-safe.
/// </remarks>
internal sealed class InterfaceDiffer
{
    private const uint IffUp = 0x1;
    private const uint IffRunning = 0x40;
    private const uint IffLowerUp = 0x10000;
    private const uint IffDormant = 0x20000;
    private const uint StateFlags = IffUp | IffRunning | IffLowerUp | IffDormant;

    private const byte OperUnknown = 0;
    private const byte OperUp = 6;

    private static readonly InterfaceEvent[] s_none = [];

    private readonly Dictionary<ulong, Dictionary<int, InterfaceRecord>> _namespaces = [];

    public IReadOnlyList<InterfaceEvent> Apply(
        NetworkNamespace @namespace, IReadOnlyList<InterfaceRecord> interfaces, DateTimeOffset at, FirstSight firstSight = FirstSight.Silent)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(interfaces);

        var current = new Dictionary<int, InterfaceRecord>(interfaces.Count);
        foreach (InterfaceRecord link in interfaces)
        {
            current[link.Index] = link;
        }

        List<InterfaceEvent>? events = null;
        if (!_namespaces.TryGetValue(@namespace.Inode, out Dictionary<int, InterfaceRecord>? previous))
        {
            _namespaces[@namespace.Inode] = current;
            if (firstSight == FirstSight.Snapshot)
            {
                foreach (InterfaceRecord link in current.Values)
                {
                    Add(ref events, InterfaceActions.Snapshot, link, null, null, at, @namespace);
                }
            }
            else if (firstSight == FirstSight.AsNew)
            {
                foreach (InterfaceRecord link in current.Values)
                {
                    Added(ref events, link, at, @namespace);
                }
            }
            return events ?? (IReadOnlyList<InterfaceEvent>)s_none;
        }

        foreach (InterfaceRecord before in previous.Values)
        {
            if (!current.ContainsKey(before.Index))
            {
                foreach (InterfaceAddress address in before.Addresses)
                {
                    Add(ref events, InterfaceActions.AddressRemoved, before, null, address, at, @namespace);
                }
                Add(ref events, InterfaceActions.Removed, before, null, null, at, @namespace);
            }
        }
        foreach (InterfaceRecord link in current.Values)
        {
            if (!previous.TryGetValue(link.Index, out InterfaceRecord? before))
            {
                Added(ref events, link, at, @namespace);
                continue;
            }
            if (!SameConfiguration(before, link))
            {
                Add(ref events, InterfaceActions.Changed, link, before, null, at, @namespace);
            }
            bool wasUp = IsUp(before), isUp = IsUp(link);
            if (wasUp != isUp)
            {
                Add(ref events, isUp ? InterfaceActions.Up : InterfaceActions.Down, link, before, null, at, @namespace);
            }
            DiffAddresses(ref events, before, link, at, @namespace);
        }
        _namespaces[@namespace.Inode] = current;
        return events ?? (IReadOnlyList<InterfaceEvent>)s_none;
    }

    /// <summary>Forgets a namespace that no longer exists (its links went with it; no events).</summary>
    public bool RemoveNamespace(NetworkNamespace @namespace) => _namespaces.Remove(@namespace.Inode);

    /// <summary>Links currently known, all namespaces together.</summary>
    public int TrackedCount => _namespaces.Values.Sum(links => links.Count);

    internal static bool IsUp(InterfaceRecord link) =>
        (link.Flags & IffUp) != 0 && link.OperState is OperUp or OperUnknown;

    internal static bool SameConfiguration(InterfaceRecord a, InterfaceRecord b) =>
        a.Name == b.Name &&
        a.Mtu == b.Mtu &&
        a.LinkType == b.LinkType &&
        a.HardwareAddress.AsSpan().SequenceEqual(b.HardwareAddress) &&
        (a.Flags & ~StateFlags) == (b.Flags & ~StateFlags) &&
        a.Kind == b.Kind &&
        a.MasterIndex == b.MasterIndex;

    private static void DiffAddresses(ref List<InterfaceEvent>? events, InterfaceRecord before, InterfaceRecord link, DateTimeOffset at, NetworkNamespace @namespace)
    {
        foreach (InterfaceAddress old in before.Addresses)
        {
            if (!Contains(link.Addresses, old))
            {
                Add(ref events, InterfaceActions.AddressRemoved, link, null, old, at, @namespace);
            }
        }
        foreach (InterfaceAddress address in link.Addresses)
        {
            if (!Contains(before.Addresses, address))
            {
                Add(ref events, InterfaceActions.AddressAdded, link, null, address, at, @namespace);
            }
        }
    }

    /// <summary>By address/prefix only: a link has a handful of addresses, a linear search is the cheapest.</summary>
    private static bool Contains(IReadOnlyList<InterfaceAddress> addresses, InterfaceAddress wanted)
    {
        foreach (InterfaceAddress address in addresses)
        {
            if (address.PrefixLength == wanted.PrefixLength && address.Address.Equals(wanted.Address))
            {
                return true;
            }
        }
        return false;
    }

    private static void Added(ref List<InterfaceEvent>? events, InterfaceRecord link, DateTimeOffset at, NetworkNamespace @namespace)
    {
        Add(ref events, InterfaceActions.Added, link, null, null, at, @namespace);
        foreach (InterfaceAddress address in link.Addresses)
        {
            Add(ref events, InterfaceActions.AddressAdded, link, null, address, at, @namespace);
        }
    }

    private static void Add(
        ref List<InterfaceEvent>? events, string action, InterfaceRecord link, InterfaceRecord? previous, InterfaceAddress? address, DateTimeOffset at, NetworkNamespace @namespace) =>
        (events ??= []).Add(new InterfaceEvent
        {
            Action = action,
            Interface = link,
            Previous = previous,
            Address = address,
            Timestamp = at,
            Namespace = @namespace,
        });
}
