namespace SocketAgent.Collection;

/// <summary>Which kernel interfaces report the sockets (<c>--source</c>).</summary>
public enum SocketSourceKind
{
    /// <summary>
    /// The daemon: the eBPF tracer for transitions plus netlink snapshots when BPF can load, netlink otherwise.
    /// Snapshots: netlink sock_diag, falling back to /proc/net when netlink is refused.
    /// </summary>
    Auto,

    /// <summary>netlink sock_diag only (what <c>ss</c> uses): cookies, tcp_info, UNIX peers and queues.</summary>
    Netlink,

    /// <summary>/proc/net text files only (what <c>netstat</c> reads).</summary>
    Procfs,

    /// <summary>
    /// The eBPF tracer for every TCP transition (with its process), netlink sock_diag for snapshots; fails when BPF
    /// cannot load instead of falling back.
    /// </summary>
    Ebpf,
}
