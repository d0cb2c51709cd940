using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Output.Json;

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

    private readonly DocumentFieldCache _common = new();
    private readonly RouteTableNames _tables;

    // network objects of the current namespace: [0] no type, [1] ipv4, [2] ipv6.
    private readonly NetworkFields?[] _networks = new NetworkFields?[3];
    private NetnsFields? _networksNetns;

    /// <param name="routeTables">Table names for <c>route.table</c>; null for the iproute2 built-ins only.</param>
    public HostStateDocumentFactory(RouteTableNames? routeTables = null) => _tables = routeTables ?? RouteTableNames.BuiltIn;

    public RouteDocument CreateRoute(RouteRecord route, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = SocketDocumentFactory.SnapshotAction)
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
            Network = GetNetwork(route.Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 ? route.Family : route.Destination.AddressFamily, networkNamespace),
            Route = new RouteJson(route, _tables.GetName(route.Table)),
            Container = _common.GetNamespaceContainer(networkNamespace),
        };
    }

    public InterfaceDocument CreateInterface(InterfaceRecord link, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = SocketDocumentFactory.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(action);

        return new InterfaceDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = new EventFields { Dataset = InterfaceDataset, Action = action },
            Host = _common.GetHost(host),
            Network = GetNetwork(AddressFamily.Unspecified, networkNamespace),
            Interface = new InterfaceJson(link),
            Container = _common.GetNamespaceContainer(networkNamespace),
        };
    }

    public NetstatDocument CreateStatistics(ProtocolStatistics statistics, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = SocketDocumentFactory.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(action);

        return new NetstatDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = new EventFields { Dataset = NetstatDataset, Action = action },
            Host = _common.GetHost(host),
            Network = GetNetwork(AddressFamily.Unspecified, networkNamespace),
            Netstat = new NetstatJson(statistics),
            Container = _common.GetNamespaceContainer(networkNamespace),
        };
    }

    /// <summary><c>network</c>: the family's <c>type</c> and the namespace; null when there is neither.</summary>
    private NetworkFields? GetNetwork(AddressFamily family, NetworkNamespace? networkNamespace)
    {
        NetnsFields? netns = _common.GetNetns(networkNamespace);
        if (!ReferenceEquals(netns, _networksNetns))
        {
            Array.Clear(_networks);
            _networksNetns = netns;
        }

        int slot = family switch
        {
            AddressFamily.InterNetwork => 1,
            AddressFamily.InterNetworkV6 => 2,
            _ => 0,
        };
        if (slot == 0 && netns is null)
        {
            return null;
        }
        return _networks[slot] ??= new NetworkFields
        {
            Type = slot switch { 1 => "ipv4", 2 => "ipv6", _ => null },
            Netns = netns,
        };
    }
}
