using System.Buffers.Binary;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Parses <c>struct tcp_info</c> (INET_DIAG_INFO). The struct only grows at its end, and a kernel sends the
/// size it knows, so a field lying past the received length is absent (null), not zero.
/// </summary>
internal static class TcpInfoParser
{
    /// <summary>The three u8 fields every kernel sends; shorter input is not a tcp_info.</summary>
    public const int MinimumLength = 3;

    // Offsets in linux/tcp.h's struct tcp_info (checked on 6.18, 280 bytes).
    private const int RtoOffset = 8;
    private const int SndMssOffset = 16;
    private const int UnackedOffset = 24;
    private const int LostOffset = 32;
    private const int RetransOffset = 36;
    private const int LastDataSentOffset = 44;
    private const int LastDataRecvOffset = 52;
    private const int PmtuOffset = 60;
    private const int RttOffset = 68;
    private const int RttVarOffset = 72;
    private const int SndSsthreshOffset = 76;
    private const int SndCwndOffset = 80;
    private const int TotalRetransOffset = 100;
    private const int PacingRateOffset = 104;
    private const int BytesAckedOffset = 120;
    private const int BytesReceivedOffset = 128;
    private const int SegsOutOffset = 136;
    private const int SegsInOffset = 140;
    private const int NotsentBytesOffset = 144;
    private const int MinRttOffset = 148;
    private const int DeliveryRateOffset = 160;
    private const int BusyTimeOffset = 168;
    private const int DeliveredOffset = 192;
    private const int BytesSentOffset = 200;
    private const int BytesRetransOffset = 208;
    private const int DsackDupsOffset = 216;
    private const int SndWndOffset = 228;
    private const int RcvWndOffset = 232;
    private const int TotalRtoOffset = 240;
    private const int TotalRtoTimeOffset = 244;

    /// <summary>The parsed struct, or null when <paramref name="data"/> is shorter than <see cref="MinimumLength"/>.</summary>
    public static TcpInfo? Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < MinimumLength)
        {
            return null;
        }

        return new TcpInfo
        {
            State = data[0],
            CaState = data[1],
            Retransmits = data[2],
            RtoMicros = U32(data, RtoOffset),
            SndMss = U32(data, SndMssOffset),
            Unacked = U32(data, UnackedOffset),
            Lost = U32(data, LostOffset),
            Retrans = U32(data, RetransOffset),
            LastDataSentMillis = U32(data, LastDataSentOffset),
            LastDataRecvMillis = U32(data, LastDataRecvOffset),
            Pmtu = U32(data, PmtuOffset),
            RttMicros = U32(data, RttOffset),
            RttVarMicros = U32(data, RttVarOffset),
            SndSsthresh = U32(data, SndSsthreshOffset),
            SndCwnd = U32(data, SndCwndOffset),
            TotalRetrans = U32(data, TotalRetransOffset),
            PacingRate = U64(data, PacingRateOffset),
            BytesAcked = U64(data, BytesAckedOffset),
            BytesReceived = U64(data, BytesReceivedOffset),
            SegsOut = U32(data, SegsOutOffset),
            SegsIn = U32(data, SegsInOffset),
            NotsentBytes = U32(data, NotsentBytesOffset),
            MinRttMicros = U32(data, MinRttOffset),
            DeliveryRate = U64(data, DeliveryRateOffset),
            BusyTimeMicros = U64(data, BusyTimeOffset),
            Delivered = U32(data, DeliveredOffset),
            BytesSent = U64(data, BytesSentOffset),
            BytesRetrans = U64(data, BytesRetransOffset),
            DsackDups = U32(data, DsackDupsOffset),
            SndWnd = U32(data, SndWndOffset),
            RcvWnd = U32(data, RcvWndOffset),
            TotalRto = U16(data, TotalRtoOffset),
            TotalRtoTimeMillis = U32(data, TotalRtoTimeOffset),
        };
    }

    private static ushort? U16(ReadOnlySpan<byte> data, int offset) =>
        data.Length >= offset + sizeof(ushort) ? BinaryPrimitives.ReadUInt16LittleEndian(data[offset..]) : null;

    private static uint? U32(ReadOnlySpan<byte> data, int offset) =>
        data.Length >= offset + sizeof(uint) ? BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]) : null;

    private static ulong? U64(ReadOnlySpan<byte> data, int offset) =>
        data.Length >= offset + sizeof(ulong) ? BinaryPrimitives.ReadUInt64LittleEndian(data[offset..]) : null;
}
