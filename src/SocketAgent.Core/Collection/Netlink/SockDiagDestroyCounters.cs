namespace SocketAgent.Collection.Netlink;

/// <summary>Names of the <see cref="CollectionDiagnostics"/> counters <see cref="SockDiagDestroyListener"/> maintains.</summary>
internal static class SockDiagDestroyCounters
{
    /// <summary>Destroy notifications parsed and delivered to the channel.</summary>
    public const string Delivered = "destroy.delivered";

    /// <summary>
    /// recv failed with ENOBUFS: the socket buffer was full and the kernel dropped notifications (how many is
    /// not known). The closed sockets are still noticed by the next snapshot, without their exact end.
    /// </summary>
    public const string Overrun = "destroy.overrun";

    /// <summary>Parsed notifications the agent's channel had no room for (the cycle does not drain fast enough).</summary>
    public const string Dropped = "destroy.dropped";

    /// <summary>Messages or datagrams that were truncated or inconsistent, skipped.</summary>
    public const string Malformed = "destroy.malformed";

    /// <summary>Well-formed messages that are not a TCP/UDP socket the query wants (another transport, a NOOP).</summary>
    public const string Ignored = "destroy.ignored";
}
