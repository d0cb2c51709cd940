namespace SocketAgent.Collection.Tracing;

/// <summary>
/// One record from the ring buffer, in ring order: a TCP transition, an exec (<see cref="Exec"/> set) or a fork
/// (<see cref="Fork"/> set), or a UDP flow's open or its socket's release (<see cref="Udp"/> set).
/// </summary>
internal readonly record struct TraceItem(TcpTraceRecord Tcp, ExecInfo? Exec, ForkInfo? Fork = null, UdpTraceItem? Udp = null);
