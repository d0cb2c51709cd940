namespace SocketAgent.Model;

/// <summary>
/// One protocol group of the kernel's counters (<c>Ip</c>, <c>Tcp</c>, <c>TcpExt</c>, <c>Ip6</c>, <c>Udp6</c>…) from
/// <c>/proc/net/snmp</c>, <c>/proc/net/netstat</c> or <c>/proc/net/snmp6</c>, with counters in file order and keyed
/// by the kernel's own names, so a new kernel's new column (6.18's <c>Ip: OutTransmits</c>) just appears.
/// </summary>
public sealed class ProtocolStatistics
{
    /// <summary>The group as the file names it: <c>Ip</c>, <c>Icmp</c>, <c>IcmpMsg</c>, <c>Tcp</c>, <c>Udp</c>, <c>UdpLite</c>, <c>TcpExt</c>, <c>IpExt</c>, <c>MPTcpExt</c>, <c>Ip6</c>, <c>Icmp6</c>, <c>Udp6</c>…</summary>
    public required string Group { get; init; }

    /// <summary>The file it came from: <c>snmp</c>, <c>netstat</c> or <c>snmp6</c>.</summary>
    public required string SourceFile { get; init; }

    /// <summary>Counter name (without the group prefix, e.g. <c>ActiveOpens</c>) and value, in file order.
    /// Values are signed: a few (<c>Tcp: MaxConn</c>) are -1 by definition.</summary>
    public required IReadOnlyList<KeyValuePair<string, long>> Counters { get; init; }

    public long? this[string name]
    {
        get
        {
            foreach (KeyValuePair<string, long> counter in Counters)
            {
                if (counter.Key == name) return counter.Value;
            }
            return null;
        }
    }
}
