using SocketAgent.Collection;
using SocketAgent.Model;

namespace SocketAgent.Cli.Configuration;

/// <summary><c>collect.*</c>: what each cycle reads (the command line's -t -u -w -x -i -r -s).</summary>
internal sealed class CollectOptions
{
    /// <summary><c>collect.transports</c>: socket transports (tcp, udp, raw, unix). Default all; empty: no sockets.</summary>
    public TransportSet Transports { get; set; } = TransportSet.All;

    /// <summary><c>collect.interfaces</c>: interfaces and their addresses. Default true.</summary>
    public bool Interfaces { get; set; } = true;

    /// <summary><c>collect.routes</c>: every routing table. Default true.</summary>
    public bool Routes { get; set; } = true;

    /// <summary><c>collect.statistics</c>: protocol counters (/proc/net/snmp, netstat, snmp6). Default true.</summary>
    public bool Statistics { get; set; } = true;

    public CollectedParts Parts =>
        (Transports != TransportSet.None ? CollectedParts.Sockets : CollectedParts.None)
        | (Interfaces ? CollectedParts.Interfaces : CollectedParts.None)
        | (Routes ? CollectedParts.Routes : CollectedParts.None)
        | (Statistics ? CollectedParts.Statistics : CollectedParts.None);
}
