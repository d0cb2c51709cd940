namespace SocketAgent.Model;

/// <summary>
/// State names as netstat prints them (net-tools <c>netstat.c</c>), shared by the JSON encoder and the
/// netstat table so both say the same thing about the same socket.
/// </summary>
public static class SocketStateNames
{
    private static readonly string[] s_tcp =
    [
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "SYN_RECV", "BOUND_INACTIVE",
    ];

    /// <summary>
    /// netstat's name for the socket's state: TCP names for TCP; for UDP <c>ESTABLISHED</c> when connected
    /// and an empty string when not (netstat prints a blank); raw sockets print the number, as netstat does;
    /// UNIX sockets <c>LISTENING</c>, <c>CONNECTED</c>, <c>CONNECTING</c> or blank.
    /// </summary>
    public static string Netstat(Transport transport, KernelSocketState state) => transport switch
    {
        Transport.Tcp => Tcp(state),
        Transport.Udp => state == KernelSocketState.Established ? "ESTABLISHED" : string.Empty,
        Transport.Raw => ((int)state).ToString(System.Globalization.CultureInfo.InvariantCulture),
        Transport.Unix => state switch
        {
            KernelSocketState.Listen => "LISTENING",
            KernelSocketState.Established => "CONNECTED",
            KernelSocketState.SynSent => "CONNECTING",
            KernelSocketState.CloseWait or KernelSocketState.LastAck => "DISCONNECTING",
            _ => string.Empty,
        },
        _ => string.Empty,
    };

    /// <summary>The TCP state name (<c>include/net/tcp_states.h</c> with netstat's spelling).</summary>
    public static string Tcp(KernelSocketState state)
    {
        int index = (int)state;
        return (uint)index < (uint)s_tcp.Length ? s_tcp[index] : "UNKNOWN";
    }
}
