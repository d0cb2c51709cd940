using System.Buffers.Binary;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Reads IFLA_STATS64 (<c>struct rtnl_link_stats64</c>): u64 counters in a fixed order. Older kernels send fewer
/// (rx_nohandler arrived in 4.6) and newer ones more (rx_otherhost_dropped in 5.19); counters past the end
/// of the attribute are 0 and extra ones are ignored.
/// </summary>
internal static class LinkStatsParser
{
    public static InterfaceCounters Parse(ReadOnlySpan<byte> stats) => new()
    {
        RxPackets = Field(stats, 0),
        TxPackets = Field(stats, 1),
        RxBytes = Field(stats, 2),
        TxBytes = Field(stats, 3),
        RxErrors = Field(stats, 4),
        TxErrors = Field(stats, 5),
        RxDropped = Field(stats, 6),
        TxDropped = Field(stats, 7),
        Multicast = Field(stats, 8),
        Collisions = Field(stats, 9),
        RxLengthErrors = Field(stats, 10),
        RxOverErrors = Field(stats, 11),
        RxCrcErrors = Field(stats, 12),
        RxFrameErrors = Field(stats, 13),
        RxFifoErrors = Field(stats, 14),
        RxMissedErrors = Field(stats, 15),
        TxAbortedErrors = Field(stats, 16),
        TxCarrierErrors = Field(stats, 17),
        TxFifoErrors = Field(stats, 18),
        TxHeartbeatErrors = Field(stats, 19),
        TxWindowErrors = Field(stats, 20),
        RxCompressed = Field(stats, 21),
        TxCompressed = Field(stats, 22),
        RxNoHandler = Field(stats, 23),
    };

    private static ulong Field(ReadOnlySpan<byte> stats, int field)
    {
        int offset = field * sizeof(ulong);
        return offset + sizeof(ulong) <= stats.Length ? BinaryPrimitives.ReadUInt64LittleEndian(stats[offset..]) : 0;
    }
}
