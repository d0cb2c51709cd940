namespace SocketAgent.Collection.Incremental;

/// <summary>Why a cycle dumped every TCP socket instead of only the ones outside ESTABLISHED.</summary>
public enum FullDumpReason
{
    /// <summary>An incremental cycle: ESTABLISHED sockets were carried over from the previous one.</summary>
    None = 0,

    /// <summary>No previous full dump to carry from.</summary>
    FirstCycle,

    /// <summary>The safety net: <see cref="IncrementalCollectorOptions.FullDumpInterval"/> elapsed.</summary>
    Periodic,

    /// <summary><c>ActiveOpens + PassiveOpens</c> moved: new connections may be ESTABLISHED now.</summary>
    OpensMoved,

    /// <summary>The last cycle saw SYN_SENT/SYN_RECV sockets, which become ESTABLISHED without moving the counters again.</summary>
    PendingHandshakes,

    /// <summary>Carried ESTABLISHED + seen CLOSE_WAIT ≠ <c>CurrEstab</c>: a socket left unseen (e.g. reset and destroyed).</summary>
    EstablishedCountMismatch,

    /// <summary><c>/proc/net/snmp</c> could not be read or parsed, so nothing proves the table unchanged.</summary>
    CountersUnavailable,

    /// <summary>
    /// No TCP connection was dumped, only the listeners: the kernel tracer reports every transition between the
    /// periodic full dumps (<see cref="SocketQuery.TcpTraced"/>).
    /// </summary>
    Traced,

    /// <summary>The query cannot be served incrementally (listeners only, no TCP) or the source is /proc/net.</summary>
    NotIncremental,
}
