namespace SocketAgent.Encoders.Json;

/// <summary>
/// How much of what the agent knows a socket line carries (<c>--fields</c>, config key <c>fields</c>). Every profile
/// writes each fact once: one pair of endpoints (ECS <c>source</c>/<c>destination</c>, or <c>server</c> for a listener),
/// the user once, the arguments once. The profiles differ in detail, not in shape: a field a profile writes has the same
/// name and type in every profile, so one index template maps them all.
/// </summary>
public enum FieldProfile : byte
{
    /// <summary>
    /// Who talked to whom: the envelope, <c>network</c>, the endpoints (with bytes on closes), the socket's state and
    /// kernel ids, <c>user</c>, and <c>process.pid</c>/<c>name</c>/<c>executable</c>. No <c>tcp_info</c>, no arguments,
    /// no queues.
    /// </summary>
    Minimal,

    /// <summary>
    /// <see cref="Minimal"/> plus what people search and chart: <c>process.args</c> and <c>process.parent.pid</c>, the
    /// queues that are not empty, and on connected TCP sockets the <c>tcp_info</c> set of
    /// <see cref="TcpInfoJsonWriter.DefaultFields"/> (rtt, retransmissions, bytes, congestion window, delivery rate; a
    /// counter that is zero is left out, as <c>ss -i</c> does).
    /// </summary>
    Default,

    /// <summary>
    /// Everything: <see cref="Default"/> plus every <c>tcp_info</c> field and both queues, zero or not,
    /// <c>process.command_line</c> (the arguments quoted for a shell), <c>process.args_count</c>, <c>process.start</c>,
    /// <c>network.iana_number</c> for TCP and UDP, and <c>socket.state_code</c>.
    /// </summary>
    Full,
}
