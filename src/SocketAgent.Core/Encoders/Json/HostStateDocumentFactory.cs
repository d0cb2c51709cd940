using System.Net.Sockets;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Builds the documents of a namespace's whole-host state: routes (dataset <c>route</c>), interfaces
/// (<c>interface</c>) and protocol counters (<c>netstat</c>). Shares what repeats between lines — timestamp text,
/// <c>host</c>, <c>network</c> per family, <c>container</c> — so a line costs its document, its event and nothing
/// that grows with the record. Not thread-safe: one factory per writer.
/// </summary>
public sealed class HostStateDocumentFactory
{
    public const string RouteDataset = "route";
    public const string InterfaceDataset = "interface";
    public const string NetstatDataset = "netstat";
    public const string AgentDataset = "agent";

    /// <summary><c>event.action</c> of the periodic protocol counters (<c>--stats-interval</c>).</summary>
    public const string CountersAction = "counters";

    /// <summary><c>event.action</c> of the agent's heartbeat.</summary>
    public const string HeartbeatAction = "heartbeat";

    private readonly DocumentFieldCache _common = new();
    private readonly RouteTableNames _tables;

    /// <param name="routeTables">Table names for <c>route.table</c>; null for the iproute2 built-ins only.</param>
    public HostStateDocumentFactory(RouteTableNames? routeTables = null) => _tables = routeTables ?? RouteTableNames.BuiltIn;

    public RouteDocument CreateRoute(RouteRecord route, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(action);

        return new RouteDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = new EventFields { Dataset = RouteDataset, Action = action },
            Host = _common.GetHost(host),
            // A route's family is its destination's; trust the address should a source leave Family unset.
            Network = GetNetwork(route.Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 ? route.Family : route.Destination.AddressFamily),
            Netns = _common.GetNetns(networkNamespace),
            Route = new RouteJson(route, _tables.GetName(route.Table)),
            Container = _common.GetNamespaceContainer(networkNamespace),
        };
    }

    public InterfaceDocument CreateInterface(InterfaceRecord link, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(action);

        return new InterfaceDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = new EventFields { Dataset = InterfaceDataset, Action = action },
            Host = _common.GetHost(host),
            Netns = _common.GetNetns(networkNamespace),
            Interface = new InterfaceJson(link),
            Container = _common.GetNamespaceContainer(networkNamespace),
        };
    }

    public NetstatDocument CreateStatistics(ProtocolStatistics statistics, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(action);

        return new NetstatDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = new EventFields { Dataset = NetstatDataset, Action = action },
            Host = _common.GetHost(host),
            Netns = _common.GetNetns(networkNamespace),
            Netstat = new NetstatJson(statistics),
            Container = _common.GetNamespaceContainer(networkNamespace),
        };
    }

    /// <summary>
    /// The line of a route event (<c>added</c>, <c>removed</c>, <c>changed</c>, or <c>snapshot</c> for the daemon's
    /// first listing), with the envelope. ECS: kind <c>event</c>, category <c>configuration</c> + <c>network</c>, type
    /// <c>creation</c>, <c>deletion</c> or <c>change</c>.
    /// </summary>
    public RouteDocument CreateRouteEvent(RouteEvent routeEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host)
    {
        ArgumentNullException.ThrowIfNull(routeEvent);
        ArgumentNullException.ThrowIfNull(agent);
        RouteDocument document = CreateRoute(routeEvent.Route, routeEvent.Namespace, host, routeEvent.Timestamp, routeEvent.Action);
        ApplyEnvelope(document.Event, routeEvent.Action, stamp);
        SetAgent(document, agent, host);
        return document;
    }

    /// <summary>
    /// The line of an interface event (<c>up</c>, <c>down</c>, <c>changed</c>, <c>added</c>, <c>removed</c>,
    /// <c>address_added</c>, <c>address_removed</c> — these with <c>interface.address</c> —, or <c>snapshot</c>), with
    /// the envelope. ECS: kind <c>event</c>, category <c>configuration</c> + <c>network</c>.
    /// </summary>
    public InterfaceDocument CreateInterfaceEvent(InterfaceEvent interfaceEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host)
    {
        ArgumentNullException.ThrowIfNull(interfaceEvent);
        ArgumentNullException.ThrowIfNull(agent);
        InterfaceDocument document = CreateInterface(interfaceEvent.Interface, interfaceEvent.Namespace, host, interfaceEvent.Timestamp, interfaceEvent.Action);
        if (interfaceEvent.Address is InterfaceAddress address)
        {
            document.Interface = new InterfaceJson(interfaceEvent.Interface, address);
        }
        ApplyEnvelope(document.Event, interfaceEvent.Action, stamp);
        SetAgent(document, agent, host);
        return document;
    }

    /// <summary>
    /// One line of the periodic protocol counters (<c>--stats-interval</c>): action <c>counters</c>, kind
    /// <c>metric</c>, with the envelope. The values are the kernel's cumulative counters, as in the snapshot.
    /// </summary>
    public NetstatDocument CreateCounters(ProtocolStatistics statistics, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, EventStamp stamp, AgentIdentity agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        NetstatDocument document = CreateStatistics(statistics, networkNamespace, host, timestamp, CountersAction);
        document.Event.Kind = EventKinds.Metric;
        document.Event.Stamp(stamp);
        SetAgent(document, agent, host);
        return document;
    }

    /// <summary>The heartbeat line: dataset <c>agent</c>, action <c>heartbeat</c>, kind <c>metric</c>, category <c>host</c>.</summary>
    public HeartbeatDocument CreateHeartbeat(HeartbeatRecord heartbeat, EventStamp stamp, AgentIdentity agent, HostIdentity host)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(host);

        var fields = new EventFields
        {
            Dataset = AgentDataset,
            Action = HeartbeatAction,
            Kind = EventKinds.Metric,
            Category = EventFields.HostCategory,
            Type = EventFields.InfoType,
        };
        fields.Stamp(stamp);
        return new HeartbeatDocument
        {
            Timestamp = _common.GetTimestamp(heartbeat.Timestamp),
            Event = fields,
            Host = _common.GetHost(host, agent.BootId),
            Agent = _common.GetAgent(agent)!,
            Heartbeat = new HeartbeatJson(heartbeat),
        };
    }

    /// <summary>The <c>loss</c> line: events <paramref name="first"/>..<paramref name="last"/> were dropped by <paramref name="output"/>'s spool.</summary>
    /// <param name="count">Events dropped in the range: <c>last - first + 1</c> unless the spool had to widen it.</param>
    /// <param name="reason"><c>spool_full</c> (dropped when offered), <c>disk_full</c> / <c>spool_write_failed</c> (dropped because the spool could not write), <c>spool_corrupt</c> (cut off at recovery), <c>unclean_stop</c>, <c>ebpf_ring_buffer_full</c>.</param>
    public LossDocument CreateLoss(long first, long last, long count, string reason, string output, DateTimeOffset timestamp, EventStamp stamp, AgentIdentity agent, HostIdentity host)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(host);
        var fields = new EventFields
        {
            Dataset = AgentDataset,
            Action = "loss",
            Kind = EventKinds.Event,
            Category = EventFields.HostCategory,
            Type = EventFields.InfoType,
        };
        fields.Stamp(stamp);
        return new LossDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = fields,
            Host = _common.GetHost(host, agent.BootId),
            Agent = _common.GetAgent(agent)!,
            Loss = new LossFields { FirstSequence = first, LastSequence = last, Count = count, Reason = reason, Output = output },
        };
    }

    private static void ApplyEnvelope(EventFields fields, string action, EventStamp stamp)
    {
        if (action != EventFields.SnapshotAction)
        {
            fields.Kind = EventKinds.Event;
            fields.Category = EventFields.ConfigurationCategory;
            fields.Type = action switch
            {
                "added" or "address_added" => EventFields.CreationType,
                "removed" or "address_removed" => EventFields.DeletionType,
                _ => EventFields.ChangeType,
            };
        }
        fields.Stamp(stamp);
    }

    /// <summary>The daemon's lines name the agent and the boot they were written in (<c>--once</c> lines do neither).</summary>
    private void SetAgent(HostStateDocument document, AgentIdentity agent, HostIdentity host)
    {
        document.Host = _common.GetHost(host, agent.BootId);
        document.Agent = _common.GetAgent(agent);
    }

    /// <summary><c>network</c>: the family's <c>type</c>; null for a family that is neither IPv4 nor IPv6.</summary>
    private static NetworkFields? GetNetwork(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => s_ipv4,
        AddressFamily.InterNetworkV6 => s_ipv6,
        _ => null,
    };

    // Shared by every route document: immutable by convention (see HostStateDocument).
    private static readonly NetworkFields s_ipv4 = new() { Type = "ipv4" };
    private static readonly NetworkFields s_ipv6 = new() { Type = "ipv6" };
}
