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

    /// <summary>
    /// The daemon's eBPF source reports every TCP transition, each close included: TCP's sock_diag destroy
    /// notifications are then not subscribed (the tracer's <c>closed</c> of the same cookie always comes first and
    /// they were dropped as duplicates). UDP and the other transports are unaffected.
    /// </summary>
    public bool TcpTraced { get; init; }

    /// <summary>
    /// Whether dumps include TCP's kernel-only entries: TIME_WAIT and request sockets (<see cref="Diff.SocketRemnant"/>).
    /// netstat and ss list them, so <c>--once</c> does. The daemon never makes an event of one (a connection ends
    /// with its socket's destroy or disappearance), and under churn they are most of the table — 10,000 connections
    /// a second keep up to tcp_max_tw_buckets of them — so it leaves them out: the kernel skips them before building
    /// a message. <value>The default is true.</value>
    /// </summary>
    public bool IncludeTcpRemnants { get; init; } = true;

    /// <summary>The TCP states a dump asks for, from <paramref name="states"/>: without the remnants unless <see cref="IncludeTcpRemnants"/>.</summary>
    internal uint TcpStates(uint states) => IncludeTcpRemnants ? states : states & ~Netlink.SockDiag.TcpRemnantStates;

    public bool Wants(Transport transport) => (Transports & transport.ToSet()) != 0;
}
