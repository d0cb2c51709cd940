namespace SocketAgent.Collection.Netlink;

/// <summary>How one dump ended.</summary>
internal readonly record struct NetlinkDumpResult
{
    /// <summary>0 when the dump completed; otherwise the errno the kernel answered with (NLMSG_ERROR, or a negative NLMSG_DONE status).</summary>
    public int Error { get; init; }

    /// <summary>The kernel flagged NLM_F_DUMP_INTR: the tables changed during the dump, so it may be inconsistent.</summary>
    public bool Interrupted { get; init; }

    /// <summary>The transport ran dry before NLMSG_DONE.</summary>
    public bool Truncated { get; init; }

    /// <summary>Datagrams that held a message with an impossible length (the rest of each was dropped).</summary>
    public int MalformedDatagrams { get; init; }

    /// <summary>Messages skipped because their sequence number belongs to another request.</summary>
    public int ForeignMessages { get; init; }

    public bool Succeeded => Error == 0 && !Truncated;
}
