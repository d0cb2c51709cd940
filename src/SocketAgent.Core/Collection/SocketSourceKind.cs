namespace SocketAgent.Collection;

/// <summary>Which kernel interface reads the socket tables (<c>--source</c>).</summary>
public enum SocketSourceKind
{
    /// <summary>netlink sock_diag, falling back to /proc/net when netlink is refused.</summary>
    Auto,

    /// <summary>netlink sock_diag only (what <c>ss</c> uses): cookies, tcp_info, UNIX peers and queues.</summary>
    Netlink,

    /// <summary>/proc/net text files only (what <c>netstat</c> reads).</summary>
    Procfs,
}
