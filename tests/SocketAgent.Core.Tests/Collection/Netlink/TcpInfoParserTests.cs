using System.Buffers.Binary;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

public class TcpInfoParserTests
{
    private static byte[] Sample(int length)
    {
        byte[] data = new byte[280];
        data[0] = 1;
        data[1] = 2;
        data[2] = 3;
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(8), 204_000);   // rto
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(68), 55);       // rtt
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(100), 9);       // total_retrans
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(104), 1234567); // pacing_rate
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(120), 101);     // bytes_acked
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(200), 100);     // bytes_sent
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(240), 4);       // total_rto
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(244), 777);     // total_rto_time
        return data[..length];
    }

    [Fact]
    public void FullStruct_ReadsEveryField()
    {
        TcpInfo info = TcpInfoParser.Parse(Sample(280))!;
        Assert.Equal(1, info.State);
        Assert.Equal(2, info.CaState);
        Assert.Equal(3, info.Retransmits);
        Assert.Equal(204_000u, info.RtoMicros);
        Assert.Equal(55u, info.RttMicros);
        Assert.Equal(9u, info.TotalRetrans);
        Assert.Equal(1234567UL, info.PacingRate);
        Assert.Equal(101UL, info.BytesAcked);
        Assert.Equal(100UL, info.BytesSent);
        Assert.Equal((ushort)4, info.TotalRto);
        Assert.Equal(777u, info.TotalRtoTimeMillis);
    }

    [Fact]
    public void StructCutAt104_AsAnOldKernelSendsIt_LeavesLaterFieldsNull()
    {
        TcpInfo info = TcpInfoParser.Parse(Sample(104))!;
        Assert.Equal(204_000u, info.RtoMicros);
        Assert.Equal(55u, info.RttMicros);
        Assert.Equal(9u, info.TotalRetrans);   // bytes 100..103: the last field that fits
        Assert.Null(info.PacingRate);
        Assert.Null(info.BytesAcked);
        Assert.Null(info.BytesReceived);
        Assert.Null(info.BytesSent);
        Assert.Null(info.DeliveryRate);
        Assert.Null(info.TotalRto);
        Assert.Null(info.TotalRtoTimeMillis);
    }

    [Fact]
    public void FieldStraddlingTheEnd_IsAbsent()
    {
        TcpInfo info = TcpInfoParser.Parse(Sample(127))!; // bytes_acked needs 120..127
        Assert.Equal(1234567UL, info.PacingRate);
        Assert.Null(info.BytesAcked);
    }

    [Fact]
    public void TooShort_IsNull()
    {
        Assert.Null(TcpInfoParser.Parse(new byte[2]));
        Assert.NotNull(TcpInfoParser.Parse(new byte[3]));
    }

    [Fact]
    public void TruncatedAttributeInsideMessage_ParsesPartially()
    {
        // A synthetic message whose INET_DIAG_INFO attribute is cut to 104 bytes.
        byte[] payload = NetlinkWire.InetMessage(1, 80, 1)[NetlinkProtocol.HeaderSize..];
        byte[] info = Sample(104);
        byte[] attribute = new byte[4 + info.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)attribute.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), SockDiag.INET_DIAG_INFO);
        info.CopyTo(attribute, 4);

        Assert.True(InetDiagMessageParser.TryParse([.. payload, .. attribute], Transport.Tcp, new IPAddressCache(), out SocketRecord? record));
        Assert.Equal(9u, record!.TcpInfo!.TotalRetrans);
        Assert.Null(record.TcpInfo.BytesAcked);
    }
}
