namespace SocketAgent.Collection.Incremental;

/// <summary>Policy knobs of the incremental collector.</summary>
public sealed record IncrementalCollectorOptions
{
    /// <summary>
    /// Dump every TCP socket (and re-read every fd table) at least this often, whatever the counters say: the safety
    /// net for what the counters cannot prove (a missed destroy with a balancing open, an fd number reused while its
    /// old socket lives on elsewhere) and the refresh of the carried sockets' tcp_info. Zero makes every cycle full;
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan FullDumpInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The proc mount for attribution (tests point it at a fake tree).</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>The /proc/net view of the calling thread's namespace, for <c>snmp</c> and the procfs fallbacks.</summary>
    public string NetDirectory { get; init; } = Namespaces.NetworkNamespaceRunner.ThreadNetDirectory;

    /// <summary>
    /// Which kernel interface reads sockets: with <see cref="SocketSourceKind.Procfs"/> every read is a full read of
    /// /proc/net (nothing to carry without socket cookies); with <see cref="SocketSourceKind.Netlink"/> a refused
    /// sock_diag is an error, not a fallback.
    /// </summary>
    public SocketSourceKind Source { get; init; } = SocketSourceKind.Auto;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
