namespace SocketAgent.Correlation.Map;

/// <summary>
/// A service: where it runs (the host name, or the address of a host no agent watches) and what it is. A server
/// named only by its process (or by nothing) is keyed by its port too, so two programs called python3 on one host
/// stay two services; a container, pod or unit is one service whatever ports it serves (they go on its edges).
/// </summary>
internal sealed record ServiceNode(string Host, bool HostMonitored, ServiceKind Kind, string Name, int Port) : IComparable<ServiceNode>
{
    /// <summary>The host of a service grouped across hosts (<c>--group-by service</c>): drawn outside any host's box.</summary>
    public const string AnyHost = "";

    /// <summary>Monitored hosts first, then by host, name, kind and port: the output's order, the same on every run.</summary>
    public int CompareTo(ServiceNode? other)
    {
        if (other is null)
        {
            return 1;
        }
        int c = other.HostMonitored.CompareTo(HostMonitored);
        if (c == 0)
        {
            c = string.CompareOrdinal(Host, other.Host);
        }
        if (c == 0)
        {
            c = string.CompareOrdinal(Name, other.Name);
        }
        if (c == 0)
        {
            c = Kind.CompareTo(other.Kind);
        }
        return c != 0 ? c : Port.CompareTo(other.Port);
    }

    /// <summary>The kind as the JSON output and the pictures' second label line spell it.</summary>
    public string KindText => Kind switch
    {
        ServiceKind.Pod => "pod",
        ServiceKind.Container => "container",
        ServiceKind.Unit => "systemd unit",
        ServiceKind.Process => "process",
        _ => "unknown",
    };

    /// <summary>The label's first line: the name, or what is known of a service nobody named.</summary>
    public string Title => Kind != ServiceKind.Unknown ? Name : Port != 0 ? $"port {Port}" : "unknown process";

    /// <summary>The label's second line: the port a process serves, or the kind.</summary>
    public string Detail => Kind switch
    {
        ServiceKind.Process => Port != 0 ? $":{Port}" : "process",
        ServiceKind.Unknown => "process not seen",
        _ => KindText,
    };

    public string HostTitle => HostMonitored ? Host : $"{Host} (not monitored)";
}
