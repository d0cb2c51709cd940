namespace SocketAgent.Model;

/// <summary>
/// What one end of a connection carried over its life, from the kernel's counters at the close: payload bytes as
/// the applications sent them (SYN and FIN excluded) and the segments that carried data.
/// </summary>
public readonly record struct SocketTraffic(ulong BytesSent, ulong BytesReceived, ulong PacketsSent, ulong PacketsReceived);
