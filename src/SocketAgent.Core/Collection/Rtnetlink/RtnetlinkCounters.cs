namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Names of the <see cref="CollectionDiagnostics"/> counters the rtnetlink collector maintains.</summary>
internal static class RtnetlinkCounters
{
    /// <summary>Link, address or route messages that were truncated or inconsistent and were skipped.</summary>
    public const string RecordsMalformed = "rtnetlink.records_malformed";

    /// <summary>Messages of a type the dump did not ask for.</summary>
    public const string MessagesUnexpected = "rtnetlink.messages_unexpected";

    /// <summary>Addresses whose interface index is not in the link dump (a link created between the dumps).</summary>
    public const string AddressesOrphaned = "rtnetlink.addresses_orphaned";

    // Counted by NetlinkDumpRunner, which names them from the "rtnetlink" prefix: these constants say what they are.

    /// <summary>Dumps the kernel flagged NLM_F_DUMP_INTR and that were redone.</summary>
    public const string DumpRetried = "rtnetlink.dump_retried";

    /// <summary>Dumps still interrupted after the last attempt (kept as they are).</summary>
    public const string DumpInterrupted = "rtnetlink.dump_interrupted";

    /// <summary>Dumps that ended without NLMSG_DONE.</summary>
    public const string DumpTruncated = "rtnetlink.dump_truncated";

    /// <summary>Dumps the kernel answered with an error (prefix; the dump name follows).</summary>
    public const string DumpFailedPrefix = "rtnetlink.dump_failed.";

    public const string DatagramsMalformed = "rtnetlink.datagrams_malformed";
    public const string MessagesForeign = "rtnetlink.messages_foreign";
}
