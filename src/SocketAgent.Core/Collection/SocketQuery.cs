using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>What to collect: netstat's selectors, applied as early as the source allows (in the kernel for sock_diag).</summary>
public sealed record SocketQuery
{
    public static readonly SocketQuery All = new();

    public TransportSet Transports { get; init; } = TransportSet.All;
    public IpFamilySet Families { get; init; } = IpFamilySet.Both;

    /// <summary>Only listening sockets (netstat -l): TCP LISTEN, unconnected UDP/raw, UNIX listeners.</summary>
    public bool ListeningOnly { get; init; }

    /// <summary>Ask the kernel for tcp_info (sock_diag only). Costs about 10% more kernel time.</summary>
    public bool IncludeTcpInfo { get; init; } = true;

    public bool Wants(Transport transport) => (Transports & transport.ToSet()) != 0;
}
