namespace SocketAgent.Correlation.Map;

/// <summary>The map ready to write: services in order with their ids, edges in order, the hosts they group under.</summary>
internal sealed class ServiceGraph(IReadOnlyList<ServiceNode> services, IReadOnlyDictionary<ServiceNode, string> ids, IReadOnlyList<ServiceEdge> edges)
{
    public IReadOnlyList<ServiceNode> Services { get; } = services;
    public IReadOnlyList<ServiceEdge> Edges { get; } = edges;

    public string IdOf(ServiceNode service) => ids[service];

    /// <summary>The services grouped by host, in the services' order (monitored hosts first).</summary>
    public IEnumerable<IGrouping<(string Host, bool Monitored), ServiceNode>> Hosts =>
        Services.GroupBy(static s => (s.Host, s.HostMonitored));
}
