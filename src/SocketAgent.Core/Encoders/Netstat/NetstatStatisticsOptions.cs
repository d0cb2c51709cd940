using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>What <c>socket-agent netstat -s</c> prints, as net-tools <c>netstat -s [-6] [-t] [-u] [-w]</c> selects it.</summary>
internal sealed record NetstatStatisticsOptions
{
    /// <summary>
    /// <c>-t</c> (Tcp, TcpExt), <c>-u</c> (Udp, Udp6), <c>-w</c> (Ip, Icmp, Ip6, Icmp6). As in netstat, a set without
    /// any of the three (also <see cref="TransportSet.Unix"/> alone) selects them all, and groups netstat has no
    /// table for (IcmpMsg, UdpLite, IpExt, MPTcpExt, UdpLite6) print whatever is selected.
    /// </summary>
    /// <value>The default value is <see cref="TransportSet.All"/>.</value>
    public TransportSet Transports { get; init; } = TransportSet.All;

    /// <summary>
    /// <c>-6</c> (<c>-A inet6</c>): the snmp6 groups followed by the <c>Tcp</c> group of <c>/proc/net/snmp</c> (TCP has
    /// no IPv6-only counters), instead of the snmp and netstat groups.
    /// </summary>
    public bool Ipv6 { get; init; }

    internal bool Selects(NetstatStatisticsSelector selector)
    {
        TransportSet inet = Transports & TransportSet.Inet;
        return selector switch
        {
            NetstatStatisticsSelector.Unknown => true,
            // netstat sets f_sctp only when no protocol flag is given (or with -S, which we do not offer).
            NetstatStatisticsSelector.Sctp => inet == TransportSet.None,
            NetstatStatisticsSelector.Tcp => inet == TransportSet.None || (inet & TransportSet.Tcp) != 0,
            NetstatStatisticsSelector.Udp => inet == TransportSet.None || (inet & TransportSet.Udp) != 0,
            NetstatStatisticsSelector.Raw => inet == TransportSet.None || (inet & TransportSet.Raw) != 0,
            _ => false,
        };
    }
}
