using EntryKind = SocketAgent.Encoders.Netstat.NetstatStatisticsKind;

namespace SocketAgent.Encoders.Netstat;

/// <summary>Which of netstat's <c>-t -u -w</c> flags turns a table on (<c>tabtab.flag</c>).</summary>
internal enum NetstatStatisticsSelector : byte
{
    Raw,
    Tcp,
    Udp,
    Sctp,

    /// <summary>A group netstat has no table for (<c>IcmpMsg</c>, <c>IpExt</c>…): always printed (<c>f_unknown</c>).</summary>
    Unknown,
}

/// <summary>One of netstat's known groups: its title, its entries (null for unknown groups) and its selector.</summary>
internal sealed record NetstatStatisticsTable(string Title, NetstatStatisticsEntry[]? Entries, NetstatStatisticsSelector Selector);

/// <summary>
/// net-tools 2.10 <c>statistics.c</c>'s tables, verbatim and in its order. The order matters: netstat finds an entry
/// with <c>bsearch</c>/<c>strcmp</c>, but several tables are not sorted by <c>strcmp</c> (<c>Forwarding</c> before
/// <c>ForwDatagrams</c>, <c>TCPLossFailures</c> before <c>TCPLoss</c>, <c>TW</c> after <c>TWKilled</c>…), so some
/// known counters are never found and print in the unknown-counter form (<c>Forwarding: 2</c>,
/// <c>TCPTimeouts: 2</c>). <see cref="Find"/> repeats glibc's search step for step to print the same.
/// </summary>
internal static class NetstatStatisticsTables
{
    private static readonly NetstatStatisticsEntry[] s_ip =
    [
        new("DefaultTTL", "Default TTL is %llu", EntryKind.Number, isStatic: true),
        new("Forwarding", "Forwarding is %s", EntryKind.Forwarding, isStatic: true),
        new("ForwDatagrams", "%llu forwarded", EntryKind.Number),
        new("FragCreates", "%llu fragments created", EntryKind.OptionalNumber),
        new("FragFails", "%llu outgoing packets failed fragmentation", EntryKind.OptionalNumber),
        new("FragOKs", "%llu outgoing packets fragmented ok", EntryKind.OptionalNumber),
        new("InAddrErrors", "%llu with invalid addresses", EntryKind.OptionalNumber),
        new("InDelivers", "%llu incoming packets delivered", EntryKind.Number),
        new("InDiscards", "%llu incoming packets discarded", EntryKind.Number),
        new("InHdrErrors", "%llu with invalid headers", EntryKind.OptionalNumber),
        new("InReceives", "%llu total packets received", EntryKind.Number),
        new("InUnknownProtos", "%llu with unknown protocol", EntryKind.OptionalNumber),
        new("OutDiscards", "%llu outgoing packets dropped", EntryKind.OptionalNumber),
        new("OutNoRoutes", "%llu dropped because of missing route", EntryKind.OptionalNumber),
        new("OutRequests", "%llu requests sent out", EntryKind.Number),
        new("ReasmFails", "%llu packet reassemblies failed", EntryKind.OptionalNumber),
        new("ReasmOKs", "%llu packets reassembled ok", EntryKind.OptionalNumber),
        new("ReasmReqds", "%llu reassemblies required", EntryKind.OptionalNumber),
        new("ReasmTimeout", "%llu fragments dropped after timeout", EntryKind.OptionalNumber),
    ];

    private static readonly NetstatStatisticsEntry[] s_ip6 =
    [
        new("Ip6FragCreates", "%llu fragments created", EntryKind.OptionalNumber),
        new("Ip6FragFails", "%llu outgoing packets failed fragmentation", EntryKind.OptionalNumber),
        new("Ip6FragOKs", "%llu outgoing packets fragmented ok", EntryKind.OptionalNumber),
        new("Ip6InAddrErrors", "%llu with invalid addresses", EntryKind.OptionalNumber),
        new("Ip6InDelivers", "%llu incoming packets delivered", EntryKind.Number),
        new("Ip6InDiscards", "%llu incoming packets discarded", EntryKind.Number),
        new("Ip6InHdrErrors", "%llu with invalid headers", EntryKind.OptionalNumber),
        new("Ip6InMcastPkts", "%llu incoming multicast packets", EntryKind.OptionalNumber),
        new("Ip6InNoRoutes", "%llu incoming packets with no route", EntryKind.OptionalNumber),
        new("Ip6InReceives", "%llu total packets received", EntryKind.Number),
        new("Ip6InTooBigErrors", "%llu with packets too big", EntryKind.OptionalNumber),
        new("Ip6InTruncatedPkts", "%llu with truncated packets", EntryKind.OptionalNumber),
        new("Ip6InUnknownProtos", "%llu with unknown protocol", EntryKind.OptionalNumber),
        new("Ip6OutDiscards", "%llu outgoing packets dropped", EntryKind.OptionalNumber),
        new("Ip6OutForwDatagrams", "%llu forwarded", EntryKind.Number),
        new("Ip6OutMcastPkts", "%llu outgoing multicast packets", EntryKind.OptionalNumber),
        new("Ip6OutNoRoutes", "%llu dropped because of missing route", EntryKind.OptionalNumber),
        new("Ip6OutRequests", "%llu requests sent out", EntryKind.Number),
        new("Ip6ReasmFails", "%llu packet reassemblies failed", EntryKind.OptionalNumber),
        new("Ip6ReasmOKs", "%llu packets reassembled ok", EntryKind.OptionalNumber),
        new("Ip6ReasmReqds", "%llu reassemblies required", EntryKind.OptionalNumber),
        new("Ip6ReasmTimeout", "%llu fragments dropped after timeout", EntryKind.OptionalNumber),
    ];

    private static readonly NetstatStatisticsEntry[] s_icmp =
    [
        new("InAddrMaskReps", "address mask replies: %llu", EntryKind.InputHistogram),
        new("InAddrMasks", "address mask request: %llu", EntryKind.InputHistogram),
        new("InDestUnreachs", "destination unreachable: %llu", EntryKind.InputHistogram),
        new("InEchoReps", "echo replies: %llu", EntryKind.InputHistogram),
        new("InEchos", "echo requests: %llu", EntryKind.InputHistogram),
        new("InErrors", "%llu input ICMP message failed", EntryKind.Number),
        new("InMsgs", "%llu ICMP messages received", EntryKind.Number),
        new("InParmProbs", "wrong parameters: %llu", EntryKind.InputHistogram),
        new("InRedirects", "redirects: %llu", EntryKind.InputHistogram),
        new("InSrcQuenchs", "source quenches: %llu", EntryKind.InputHistogram),
        new("InTimeExcds", "timeout in transit: %llu", EntryKind.InputHistogram),
        new("InTimestampReps", "timestamp reply: %llu", EntryKind.InputHistogram),
        new("InTimestamps", "timestamp request: %llu", EntryKind.InputHistogram),
        new("OutAddrMaskReps", "address mask replies: %llu", EntryKind.OutputHistogram),
        new("OutAddrMasks", "address mask requests: %llu", EntryKind.OutputHistogram),
        new("OutDestUnreachs", "destination unreachable: %llu", EntryKind.OutputHistogram),
        new("OutEchoReps", "echo replies: %llu", EntryKind.OutputHistogram),
        new("OutEchos", "echo requests: %llu", EntryKind.OutputHistogram),
        new("OutErrors", "%llu ICMP messages failed", EntryKind.Number),
        new("OutMsgs", "%llu ICMP messages sent", EntryKind.Number),
        new("OutParmProbs", "wrong parameters: %llu", EntryKind.OutputHistogram),
        new("OutRedirects", "redirect: %llu", EntryKind.OutputHistogram),
        new("OutSrcQuenchs", "source quench: %llu", EntryKind.OutputHistogram),
        new("OutTimeExcds", "time exceeded: %llu", EntryKind.OutputHistogram),
        new("OutTimestampReps", "timestamp replies: %llu", EntryKind.OutputHistogram),
        new("OutTimestamps", "timestamp requests: %llu", EntryKind.OutputHistogram),
    ];

    private static readonly NetstatStatisticsEntry[] s_icmp6 =
    [
        new("Icmp6InDestUnreachs", "destination unreachable: %llu", EntryKind.InputHistogram),
        new("Icmp6InEchoReplies", "echo replies: %llu", EntryKind.InputHistogram),
        new("Icmp6InEchos", "echo requests: %llu", EntryKind.InputHistogram),
        new("Icmp6InErrors", "%llu input ICMP message failed", EntryKind.Number),
        new("Icmp6InGroupMembQueries", "group member queries: %llu", EntryKind.InputHistogram),
        new("Icmp6InGroupMembReductions", "group member reductions: %llu", EntryKind.InputHistogram),
        new("Icmp6InGroupMembResponses", "group member responses: %llu", EntryKind.InputHistogram),
        new("Icmp6InMsgs", "%llu ICMP messages received", EntryKind.Number),
        new("Icmp6InNeighborAdvertisements", "neighbour advertisement: %llu", EntryKind.InputHistogram),
        new("Icmp6InNeighborSolicits", "neighbour solicits: %llu", EntryKind.InputHistogram),
        new("Icmp6InParmProblems", "parameter problem: %llu", EntryKind.InputHistogram),
        new("Icmp6InPktTooBigs", "packets too big: %llu", EntryKind.InputHistogram),
        new("Icmp6InRedirects", "redirects: %llu", EntryKind.InputHistogram),
        new("Icmp6InRouterAdvertisements", "router advertisement: %llu", EntryKind.InputHistogram),
        new("Icmp6InRouterSolicits", "router solicits: %llu", EntryKind.InputHistogram),
        new("Icmp6InTimeExcds", "received ICMPv6 time exceeded: %llu", EntryKind.InputHistogram),
        new("Icmp6OutDestUnreachs", "destination unreachable: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutEchoReplies", "echo replies: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutEchos", "echo requests: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutGroupMembQueries", "group member queries: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutGroupMembReductions", "group member reductions: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutGroupMembResponses", "group member responses: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutMsgs", "%llu ICMP messages sent", EntryKind.Number),
        new("Icmp6OutNeighborAdvertisements", "neighbor advertisements: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutNeighborSolicits", "neighbor solicits: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutParmProblems", "parameter problem: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutPktTooBigs", "packets too big: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutRedirects", "redirects: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutRouterAdvertisements ", "router advertisement: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutRouterSolicits", "router solicits: %llu", EntryKind.OutputHistogram),
        new("Icmp6OutTimeExcds", "sent ICMPv6 time exceeded: %llu", EntryKind.OutputHistogram),
    ];

    private static readonly NetstatStatisticsEntry[] s_tcp =
    [
        new("ActiveOpens", "%llu active connection openings", EntryKind.Number),
        new("AttemptFails", "%llu failed connection attempts", EntryKind.Number),
        new("CurrEstab", "%llu connections established", EntryKind.Number),
        new("EstabResets", "%llu connection resets received", EntryKind.Number),
        new("InErrs", "%llu bad segments received", EntryKind.Number),
        new("InSegs", "%llu segments received", EntryKind.Number),
        new("MaxConn", "", EntryKind.Number),
        new("OutRsts", "%llu resets sent", EntryKind.Number),
        new("OutSegs", "%llu segments sent out", EntryKind.Number),
        new("PassiveOpens", "%llu passive connection openings", EntryKind.Number),
        new("RetransSegs", "%llu segments retransmitted", EntryKind.Number),
        new("RtoAlgorithm", "RTO algorithm is %s", EntryKind.RtoAlgorithm, isStatic: true),
        new("RtoMax", "", EntryKind.Number),
        new("RtoMin", "", EntryKind.Number),
    ];

    private static readonly NetstatStatisticsEntry[] s_udp =
    [
        new("InDatagrams", "%llu packets received", EntryKind.Number),
        new("InErrors", "%llu packet receive errors", EntryKind.Number),
        new("NoPorts", "%llu packets to unknown port received", EntryKind.Number),
        new("OutDatagrams", "%llu packets sent", EntryKind.Number),
        new("RcvbufErrors", "%llu receive buffer errors", EntryKind.Number),
        new("SndbufErrors", "%llu send buffer errors", EntryKind.Number),
    ];

    private static readonly NetstatStatisticsEntry[] s_udp6 =
    [
        new("Udp6InDatagrams", "%llu packets received", EntryKind.Number),
        new("Udp6InErrors", "%llu packet receive errors", EntryKind.Number),
        new("Udp6NoPorts", "%llu packets to unknown port received", EntryKind.Number),
        new("Udp6OutDatagrams", "%llu packets sent", EntryKind.Number),
    ];

    private static readonly NetstatStatisticsEntry[] s_tcpExt =
    [
        new("DelayedACKLocked", "%llu delayed acks further delayed because of locked socket", EntryKind.OptionalNumber),
        new("DelayedACKLost", "Quick ack mode was activated %llu times", EntryKind.OptionalNumber),
        new("DelayedACKs", "%llu delayed acks sent", EntryKind.OptionalNumber),
        new("EmbryonicRsts", "%llu resets received for embryonic SYN_RECV sockets", EntryKind.OptionalNumber),
        new("ListenDrops", "%llu SYNs to LISTEN sockets dropped", EntryKind.OptionalNumber),
        new("ListenOverflows", "%llu times the listen queue of a socket overflowed", EntryKind.OptionalNumber),
        new("LockDroppedIcmps", "%llu ICMP packets dropped because socket was locked", EntryKind.OptionalNumber),
        new("OfoPruned", "%llu packets dropped from out-of-order queue because of socket buffer overrun", EntryKind.OptionalNumber),
        new("OutOfWindowIcmps", "%llu ICMP packets dropped because they were out-of-window", EntryKind.OptionalNumber),
        new("PAWSActive", "%llu active connections rejected because of time stamp", EntryKind.OptionalNumber),
        new("PAWSEstab", "%llu packets rejected in established connections because of timestamp", EntryKind.OptionalNumber),
        new("PAWSPassive", "%llu passive connections rejected because of time stamp", EntryKind.OptionalNumber),
        new("PruneCalled", "%llu packets pruned from receive queue because of socket buffer overrun", EntryKind.OptionalNumber),
        new("RcvPruned", "%llu packets pruned from receive queue", EntryKind.OptionalNumber),
        new("SockMallocOOM", "Ran %llu times out of system memory during packet sending", EntryKind.OptionalNumber),
        new("SyncookiesFailed", "%llu invalid SYN cookies received", EntryKind.OptionalNumber),
        new("SyncookiesRecv", "%llu SYN cookies received", EntryKind.OptionalNumber),
        new("SyncookiesSent", "%llu SYN cookies sent", EntryKind.OptionalNumber),
        new("TCPAbortFailed", "%llu times unable to send RST due to no memory", EntryKind.OptionalNumber),
        new("TCPAbortOnClose", "%llu connections reset due to early user close", EntryKind.OptionalNumber),
        new("TCPAbortOnData", "%llu connections reset due to unexpected data", EntryKind.OptionalNumber),
        new("TCPAbortOnLinger", "%llu connections aborted after user close in linger timeout", EntryKind.OptionalNumber),
        new("TCPAbortOnMemory", "%llu connections aborted due to memory pressure", EntryKind.OptionalNumber),
        new("TCPAbortOnSyn", "%llu connections reset due to unexpected SYN", EntryKind.OptionalNumber),
        new("TCPAbortOnTimeout", "%llu connections aborted due to timeout", EntryKind.OptionalNumber),
        new("TCPDirectCopyFromBacklog", "%llu bytes directly in process context from backlog", EntryKind.OptionalNumber),
        new("TCPDirectCopyFromPrequeue", "%llu bytes directly received in process context from prequeue", EntryKind.OptionalNumber),
        new("TCPDSACKOfoRecv", "%llu DSACKs for out of order packets received", EntryKind.OptionalNumber),
        new("TCPDSACKOfoSent", "%llu DSACKs sent for out of order packets", EntryKind.OptionalNumber),
        new("TCPDSACKOldSent", "%llu DSACKs sent for old packets", EntryKind.OptionalNumber),
        new("TCPDSACKRecv", "%llu DSACKs received", EntryKind.OptionalNumber),
        new("TCPDSackUndo", "%llu congestion window recovered without slow start using DSACK", EntryKind.OptionalNumber),
        new("TCPDSACKUndo", "%llu congestion windows recovered without slow start by DSACK", EntryKind.OptionalNumber),
        new("TCPFACKReorder", "Detected reordering %llu times using FACK", EntryKind.OptionalNumber),
        new("TCPFastRetrans", "%llu fast retransmits", EntryKind.OptionalNumber),
        new("TCPForwardRetrans", "%llu forward retransmits", EntryKind.OptionalNumber),
        new("TCPFullUndo", "%llu congestion windows fully recovered without slow start", EntryKind.OptionalNumber),
        new("TCPHPAcks", "%llu predicted acknowledgments", EntryKind.OptionalNumber),
        new("TCPHPHits", "%llu packet headers predicted", EntryKind.Number),
        new("TCPHPHitsToUser", "%llu packet headers predicted and directly queued to user", EntryKind.OptionalNumber),
        new("TCPLossFailures", "%llu timeouts in loss state", EntryKind.OptionalNumber),
        new("TCPLoss", "%llu TCP data loss events", EntryKind.OptionalNumber),
        new("TCPLossUndo", "%llu congestion windows recovered without slow start after partial ack", EntryKind.OptionalNumber),
        new("TCPLostRetransmits", "%llu retransmits lost", EntryKind.OptionalNumber),
        new("TCPMemoryPressures", "TCP ran low on memory %llu times", EntryKind.OptionalNumber),
        new("TCPPartialUndo", "%llu congestion windows partially recovered using Hoe heuristic", EntryKind.OptionalNumber),
        new("TCPPrequeued", "%llu packets directly queued to recvmsg prequeue", EntryKind.OptionalNumber),
        new("TCPPrequeueDropped", "%llu packets dropped from prequeue", EntryKind.OptionalNumber),
        new("TCPPureAcks", "%llu acknowledgments not containing data payload received", EntryKind.OptionalNumber),
        new("TCPRcvCollapsed", "%llu packets collapsed in receive queue due to low socket buffer", EntryKind.OptionalNumber),
        new("TCPRenoFailures", "%llu timeouts after reno fast retransmit", EntryKind.OptionalNumber),
        new("TCPRenoRecoveryFailed", "%llu reno fast retransmits failed", EntryKind.OptionalNumber),
        new("TCPRenoRecoveryFail", "%llu classic Reno fast retransmits failed", EntryKind.OptionalNumber),
        new("TCPRenoRecovery", "%llu times recovered from packet loss due to fast retransmit", EntryKind.OptionalNumber),
        new("TCPRenoReorder", "Detected reordering %llu times using reno fast retransmit", EntryKind.OptionalNumber),
        new("TCPSackFailures", "%llu timeouts after SACK recovery", EntryKind.OptionalNumber),
        new("TCPSackRecoveryFail", "%llu SACK retransmits failed", EntryKind.OptionalNumber),
        new("TCPSackRecovery", "%llu times recovered from packet loss by selective acknowledgements", EntryKind.OptionalNumber),
        new("TCPSACKReneging", "%llu bad SACK blocks received", EntryKind.OptionalNumber),
        new("TCPSACKReorder", "Detected reordering %llu times using SACK", EntryKind.OptionalNumber),
        new("TCPSchedulerFailed", "%llu times receiver scheduled too late for direct processing", EntryKind.OptionalNumber),
        new("TCPSlowStartRetrans", "%llu retransmits in slow start", EntryKind.OptionalNumber),
        new("TCPTimeouts", "%llu other TCP timeouts", EntryKind.OptionalNumber),
        new("TCPTSReorder", "Detected reordering %llu times using time stamp", EntryKind.OptionalNumber),
        new("TWKilled", "%llu TCP sockets finished time wait in slow timer", EntryKind.OptionalNumber),
        new("TW", "%llu TCP sockets finished time wait in fast timer", EntryKind.OptionalNumber),
        new("TWRecycled", "%llu time wait sockets recycled by time stamp", EntryKind.OptionalNumber),
    ];

    private static readonly NetstatStatisticsEntry[] s_sctp =
    [
        new("SctpAborteds", "%llu Number of Aborteds ", EntryKind.Number),
        new("SctpActiveEstabs", "%llu Active Associations", EntryKind.Number),
        new("SctpChecksumErrors", "%llu Number of Packets with invalid Checksum", EntryKind.Number),
        new("SctpCurrEstab", "%llu Current Associations", EntryKind.Number),
        new("SctpFragUsrMsgs", "%llu Number of messages fragmented", EntryKind.Number),
        new("SctpInCtrlChunks", "%llu Number of control chunks received", EntryKind.Number),
        new("SctpInOrderChunks", "%llu Number of ordered chunks received", EntryKind.Number),
        new("SctpInSCTPPacks", "%llu Number of SCTP packets received", EntryKind.Number),
        new("SctpInUnorderChunks", "%llu Number of Unordered chunks received", EntryKind.Number),
        new("SctpOutCtrlChunks", "%llu Number of control chunks sent", EntryKind.Number),
        new("SctpOutOfBlues", "%llu Number of Out of Blue packets", EntryKind.Number),
        new("SctpOutOrderChunks", "%llu Number of ordered chunks sent", EntryKind.Number),
        new("SctpOutSCTPPacks", "%llu Number of SCTP packets sent", EntryKind.Number),
        new("SctpOutUnorderChunks", "%llu Number of Unordered chunks sent", EntryKind.Number),
        new("SctpPassiveEstabs", "%llu Passive Associations", EntryKind.Number),
        new("SctpReasmUsrMsgs", "%llu Number of messages reassembled ", EntryKind.Number),
        new("SctpShutdowns", "%llu Number of Graceful Terminations", EntryKind.Number),
    ];

    /// <summary>The groups of <c>/proc/net/snmp</c> and <c>/proc/net/netstat</c> (<c>snmptabs</c>).</summary>
    public static readonly NetstatStatisticsTable[] Snmp =
    [
        new("Ip", s_ip, NetstatStatisticsSelector.Raw),
        new("Icmp", s_icmp, NetstatStatisticsSelector.Raw),
        new("Tcp", s_tcp, NetstatStatisticsSelector.Tcp),
        new("Udp", s_udp, NetstatStatisticsSelector.Udp),
        new("Sctp", s_sctp, NetstatStatisticsSelector.Sctp),
        new("TcpExt", s_tcpExt, NetstatStatisticsSelector.Tcp),
    ];

    /// <summary>The groups of <c>/proc/net/snmp6</c> (<c>snmp6tabs</c>); their entries carry the group prefix.</summary>
    public static readonly NetstatStatisticsTable[] Snmp6 =
    [
        new("Ip6", s_ip6, NetstatStatisticsSelector.Raw),
        new("Icmp6", s_icmp6, NetstatStatisticsSelector.Raw),
        new("Udp6", s_udp6, NetstatStatisticsSelector.Udp),
        new("Tcp6", s_tcp, NetstatStatisticsSelector.Tcp),
    ];

    /// <summary>
    /// glibc's <c>bsearch</c> with <c>strcmp</c>, on the table as it is (not re-sorted): the same probes, so the
    /// same misses on the unsorted stretches.
    /// </summary>
    public static NetstatStatisticsEntry? Find(NetstatStatisticsEntry[] entries, string title)
    {
        int low = 0;
        int high = entries.Length;
        while (low < high)
        {
            int middle = (low + high) / 2;
            int comparison = string.CompareOrdinal(title, entries[middle].Title);
            if (comparison < 0)
            {
                high = middle;
            }
            else if (comparison > 0)
            {
                low = middle + 1;
            }
            else
            {
                return entries[middle];
            }
        }
        return null;
    }
}
