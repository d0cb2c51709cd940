namespace SocketAgent.Collection.Incremental;

/// <summary>
/// Decides, before any dump, whether the ESTABLISHED TCP sockets can be carried over from the previous cycle.
/// A socket only gets into ESTABLISHED through an open (connect: <c>ActiveOpens</c>, a child of a listener:
/// <c>PassiveOpens</c>), and both counters move before the socket is ESTABLISHED. The counters are read before the
/// dumps, so an open between the read and the dump is seen by the next cycle's read. The one way into ESTABLISHED
/// that does not move them at that moment is a handshake already counted, still in SYN_SENT / SYN_RECV when the
/// last dump ran: hence <see cref="FullDumpReason.PendingHandshakes"/>. Sockets leaving ESTABLISHED show up in the
/// non-ESTABLISHED dump, or are gone: the <c>CurrEstab</c> check (after the dump) and the periodic full dump catch them.
/// </summary>
internal static class FullDumpPolicy
{
    /// <summary>The decision taken before dumping.</summary>
    /// <param name="current">This cycle's counters, or null when unreadable.</param>
    /// <param name="previous">The counters read before the previous cycle's dump, or null when there was none.</param>
    /// <param name="pendingHandshakes">The previous cycle's TCP dump listed SYN_SENT / SYN_RECV sockets.</param>
    /// <param name="sinceLastFull">Time since the last full dump; null when there was none.</param>
    /// <param name="fullDumpInterval">The safety net; <see cref="TimeSpan.Zero"/> makes every cycle full, <see cref="Timeout.InfiniteTimeSpan"/> disables it.</param>
    public static FullDumpReason BeforeDump(TcpOpenCounters? current, TcpOpenCounters? previous, bool pendingHandshakes,
        TimeSpan? sinceLastFull, TimeSpan fullDumpInterval)
    {
        if (sinceLastFull is not { } elapsed || previous is null)
        {
            return FullDumpReason.FirstCycle;
        }
        if (fullDumpInterval != Timeout.InfiniteTimeSpan && elapsed >= fullDumpInterval)
        {
            return FullDumpReason.Periodic;
        }
        if (current is not { } now)
        {
            return FullDumpReason.CountersUnavailable;
        }
        if (now.Opens != previous.Value.Opens)
        {
            return FullDumpReason.OpensMoved;
        }
        return pendingHandshakes ? FullDumpReason.PendingHandshakes : FullDumpReason.None;
    }

    /// <summary>
    /// With the kernel tracer reporting every TCP transition, whether this pass can leave TCP's connections to it: yes
    /// between full dumps; no for the first pass (the tracer only sees what changes after it started), and when the
    /// periodic full dump is due (the safety net for records the tracer lost) or was requested (<paramref name="sinceLastFull"/> null).
    /// </summary>
    public static bool TracedBetweenFullDumps(TimeSpan? sinceLastFull, TimeSpan fullDumpInterval) =>
        sinceLastFull is { } elapsed && (fullDumpInterval == Timeout.InfiniteTimeSpan || elapsed < fullDumpInterval);

    /// <summary>
    /// The check after a non-ESTABLISHED dump: <c>CurrEstab</c> counts ESTABLISHED and CLOSE_WAIT sockets, so it must
    /// equal the carried ESTABLISHED sockets plus the CLOSE_WAIT ones just dumped. A socket that changed state between
    /// the counter read and the dump also fails it; that costs a full dump, never a wrong list.
    /// </summary>
    public static FullDumpReason AfterDump(TcpOpenCounters current, int carriedEstablished, int closeWaitSeen) =>
        current.CurrentEstablished == carriedEstablished + closeWaitSeen ? FullDumpReason.None : FullDumpReason.EstablishedCountMismatch;
}
