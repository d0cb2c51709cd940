namespace SocketAgent.Correlation.Map;

/// <summary>The map ready to write: services in order with their ids, edges in order, the hosts they group under.</summary>
internal sealed class ServiceGraph(IReadOnlyList<ServiceNode> services, IReadOnlyDictionary<ServiceNode, string> ids, IReadOnlyList<ServiceEdge> edges,
    IReadOnlyDictionary<ServiceNode, SortedSet<string>> hosts)
{
    public IReadOnlyList<ServiceNode> Services { get; } = services;
    public IReadOnlyList<ServiceEdge> Edges { get; } = edges;

    public string IdOf(ServiceNode service) => ids[service];

    /// <summary>The hosts a service was seen on, sorted.</summary>
    public IReadOnlyCollection<string> HostsOf(ServiceNode service) => hosts[service];

    /// <summary>The label's second line: the node's own, and how many hosts it stands for when grouped across hosts.</summary>
    public string DetailOf(ServiceNode service) =>
        service.Host != ServiceNode.AnyHost ? service.Detail
        : hosts[service].Count == 1 ? $"{service.Detail} · {hosts[service].Min}"
        : $"{service.Detail} · {hosts[service].Count} hosts";

    /// <summary>The services grouped by host, in the services' order (monitored hosts first; <see cref="ServiceNode.AnyHost"/> is no host).</summary>
    public IEnumerable<IGrouping<(string Host, bool Monitored), ServiceNode>> Hosts =>
        Services.GroupBy(static s => (s.Host, s.HostMonitored));
}
