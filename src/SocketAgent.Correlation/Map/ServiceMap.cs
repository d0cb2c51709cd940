namespace SocketAgent.Correlation.Map;

/// <summary>
/// The aggregate: connection lines in, services and the edges between them out, in a fixed order (so the same input
/// gives the same bytes out, whatever order the lines came in). Lines with an event.id already seen are counted as
/// duplicates and not added again: correlate's file output is at-least-once.
/// </summary>
internal sealed class ServiceMap(bool acrossHosts = false)
{
    private readonly Dictionary<(ServiceNode Client, ServiceNode Server), ServiceEdge> _edges = [];
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    private readonly Dictionary<ServiceNode, SortedSet<string>> _hosts = [];

    public long Connections { get; private set; }
    public long Duplicates { get; private set; }

    public void Add(ConnectionLine line)
    {
        if (line.EventId is { } id && !_eventIds.Add(id))
        {
            Duplicates++;
            return;
        }
        Connections++;
        ServiceNode client = ServiceIdentity.Of(line.Client, server: false, acrossHosts);
        ServiceNode server = ServiceIdentity.Of(line.Server, server: true, acrossHosts);
        AddHost(client, line.Client);
        AddHost(server, line.Server);
        if (!_edges.TryGetValue((client, server), out ServiceEdge? edge))
        {
            edge = new ServiceEdge(client, server);
            _edges.Add((client, server), edge);
        }
        edge.Add(line);
    }

    /// <summary>The hosts a service was seen on: one, unless services are grouped across hosts.</summary>
    private void AddHost(ServiceNode service, ConnectionSide side)
    {
        if (!_hosts.TryGetValue(service, out SortedSet<string>? hosts))
        {
            hosts = new SortedSet<string>(StringComparer.Ordinal);
            _hosts.Add(service, hosts);
        }
        hosts.Add(side.HostName ?? side.Ip);
    }

    /// <summary>The services and edges, sorted, each service with its id (s1, s2, … in that order).</summary>
    public ServiceGraph ToGraph()
    {
        ServiceNode[] nodes = [.. _edges.Keys.SelectMany(static k => new[] { k.Client, k.Server }).Distinct().Order()];
        var ids = new Dictionary<ServiceNode, string>(nodes.Length);
        var order = new Dictionary<ServiceNode, int>(nodes.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            ids.Add(nodes[i], $"s{i + 1}");
            order.Add(nodes[i], i);
        }
        ServiceEdge[] edges = [.. _edges.Values.OrderBy(e => order[e.Client]).ThenBy(e => order[e.Server])];
        return new ServiceGraph(nodes, ids, edges, _hosts);
    }
}
