namespace SocketAgent.Collection.Incremental;

/// <summary>
/// The <c>Tcp:</c> counters of <c>/proc/net/snmp</c> that tell whether the ESTABLISHED table can have changed:
/// <c>ActiveOpens</c> (connect) and <c>PassiveOpens</c> (a child created from a listener) count every way a socket
/// gets into ESTABLISHED, and <c>CurrEstab</c> is the number of sockets in ESTABLISHED or CLOSE_WAIT (since Linux
/// 6.10; checked on 6.18).
/// </summary>
internal readonly record struct TcpOpenCounters(long ActiveOpens, long PassiveOpens, long CurrentEstablished)
{
    public long Opens => ActiveOpens + PassiveOpens;
}
