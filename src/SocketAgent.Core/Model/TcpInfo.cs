namespace SocketAgent.Model;

/// <summary>
/// The useful part of the kernel's <c>struct tcp_info</c> (INET_DIAG_INFO). Fields an older kernel does not
/// send (its struct is shorter) are <see langword="null"/>, never zero, so "absent" and "0" stay distinct.
/// Times are as the kernel gives them: RTT values in microseconds, <c>last_data_*</c> in milliseconds.
/// </summary>
public sealed class TcpInfo
{
    public byte State { get; init; }
    public byte CaState { get; init; }
    /// <summary>Retransmits of the current unacknowledged segment (resets when it is acked).</summary>
    public byte Retransmits { get; init; }
    public uint? RtoMicros { get; init; }
    public uint? SndMss { get; init; }
    public uint? Unacked { get; init; }
    public uint? Lost { get; init; }
    public uint? Retrans { get; init; }
    public uint? LastDataSentMillis { get; init; }
    public uint? LastDataRecvMillis { get; init; }
    public uint? Pmtu { get; init; }
    public uint? RttMicros { get; init; }
    public uint? RttVarMicros { get; init; }
    public uint? SndSsthresh { get; init; }
    public uint? SndCwnd { get; init; }
    public uint? TotalRetrans { get; init; }
    public ulong? PacingRate { get; init; }
    public ulong? BytesAcked { get; init; }
    public ulong? BytesReceived { get; init; }
    public uint? SegsOut { get; init; }
    public uint? SegsIn { get; init; }
    public uint? NotsentBytes { get; init; }
    public uint? MinRttMicros { get; init; }
    public ulong? DeliveryRate { get; init; }
    public ulong? BusyTimeMicros { get; init; }
    public uint? Delivered { get; init; }
    public ulong? BytesSent { get; init; }
    public ulong? BytesRetrans { get; init; }
    public uint? DsackDups { get; init; }
    public uint? SndWnd { get; init; }
    public uint? RcvWnd { get; init; }
    public ushort? TotalRto { get; init; }
    public uint? TotalRtoTimeMillis { get; init; }
}
