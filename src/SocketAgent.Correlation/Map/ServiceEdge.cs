namespace SocketAgent.Correlation.Map;

/// <summary>
/// Every connection from one service to another, merged: how many, the bytes each way, the server ports used, when
/// first and last seen. Parallel connections become one edge, which is what keeps a fleet's picture readable.
/// </summary>
internal sealed class ServiceEdge(ServiceNode client, ServiceNode server)
{
    public ServiceNode Client { get; } = client;
    public ServiceNode Server { get; } = server;
    public long Connections { get; private set; }

    /// <summary>Connections still open when the line was written.</summary>
    public long Open { get; private set; }

    /// <summary>Payload bytes client → server summed over the connections that said, or -1 when none did.</summary>
    public long BytesToServer { get; private set; } = -1;

    /// <summary>Payload bytes server → client, or -1.</summary>
    public long BytesToClient { get; private set; } = -1;

    public SortedSet<PortKey> Ports { get; } = [];
    public long FirstSeen { get; private set; } = long.MaxValue;
    public long LastSeen { get; private set; } = long.MinValue;

    public void Add(ConnectionLine line)
    {
        Connections++;
        if (line.Open)
        {
            Open++;
        }
        BytesToServer = Sum(BytesToServer, line.Client.Bytes);
        BytesToClient = Sum(BytesToClient, line.Server.Bytes);
        Ports.Add(new PortKey(line.Server.Port, line.Transport));
        FirstSeen = Math.Min(FirstSeen, line.Start);
        LastSeen = Math.Max(LastSeen, Math.Max(line.LastSeen, line.Start));
    }

    private static long Sum(long total, long bytes) => bytes < 0 ? total : Math.Max(total, 0) + bytes;
}
