using System.Buffers.Binary;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;
using static SocketAgent.Tests.Collection.Netlink.NetlinkWire;

namespace SocketAgent.Tests.Collection.Netlink;

public class SockDiagCollectorTests
{
    private const ushort Intr = NetlinkProtocol.NLM_F_MULTI | NetlinkProtocol.NLM_F_DUMP_INTR;

    private static readonly SockDiagDump s_tcp4 = new(SockDiag.AF_INET, SockDiag.IPPROTO_TCP, Transport.Tcp, 0, SockDiag.AllStates);

    [Fact]
    public void InterruptedDump_IsRedoneAndOnlyTheCleanAnswerKept()
    {
        var transport = new ReplayTransport((index, seq) => index == 0
            ? [Concat(InetMessage(seq, 1, 1, flags: Intr), InetMessage(seq, 2, 2, flags: Intr), Done(seq, flags: Intr))]
            : [Concat(InetMessage(seq, 3, 3), Done(seq))]);
        var diagnostics = new CollectionDiagnostics();
        var collector = new SockDiagCollector(transport, diagnostics);

        collector.Run(s_tcp4, new byte[NetlinkDumpReader.BufferSize]);

        Assert.Equal(2, transport.Requests.Count);
        Assert.Equal(3, Assert.Single(collector.Records).LocalPort);
        Assert.Equal(1, diagnostics.Get("netlink.dump_retried"));
        Assert.Equal(0, diagnostics.Get("netlink.dump_interrupted"));
        // Each attempt uses a new sequence number, so late replies to the old one cannot mix in.
        Assert.NotEqual(BinaryPrimitives.ReadUInt32LittleEndian(transport.Requests[0].AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(transport.Requests[1].AsSpan(8)));
    }

    [Fact]
    public void AlwaysInterruptedDump_KeepsTheLastAnswerAfterBoundedRetries()
    {
        var transport = new ReplayTransport((index, seq) => [Concat(InetMessage(seq, (ushort)(100 + index), 1, flags: Intr), Done(seq, flags: Intr))]);
        var diagnostics = new CollectionDiagnostics();
        var collector = new SockDiagCollector(transport, diagnostics);

        collector.Run(s_tcp4, new byte[NetlinkDumpReader.BufferSize]);

        Assert.Equal(NetlinkDumpRunner.MaxDumpAttempts, transport.Requests.Count);
        Assert.Equal(100 + NetlinkDumpRunner.MaxDumpAttempts - 1, Assert.Single(collector.Records).LocalPort);
        Assert.Equal(1, diagnostics.Get("netlink.dump_interrupted"));
        Assert.Equal(NetlinkDumpRunner.MaxDumpAttempts - 1, diagnostics.Get("netlink.dump_retried"));
    }

    [Fact]
    public void RefusedProtocol_IsCountedWarnedOnceUnlessRawAndTheOtherDumpsGoOn()
    {
        // Request order for All: tcp, tcp6, udp, udp6, raw, raw6, unix. Both raw dumps fail as on this kernel.
        var transport = new ReplayTransport((index, seq) => (index % 7) switch
        {
            4 or 5 => [Done(seq, -2)],
            6 => [Error(seq, 95)],
            _ => [Concat(InetMessage(seq, (ushort)(index + 1), 1), Done(seq))],
        });
        var diagnostics = new CollectionDiagnostics();
        var collector = new SockDiagCollector(transport, diagnostics);

        collector.Collect(SocketQuery.All);
        collector.Collect(SocketQuery.All);

        Assert.Equal(14, transport.Requests.Count);
        Assert.Equal(8, collector.Records.Count);
        Assert.Equal(2, diagnostics.Get("netlink.protocol_unavailable.raw"));
        Assert.Equal(2, diagnostics.Get("netlink.protocol_unavailable.raw6"));
        Assert.Equal(2, diagnostics.Get("netlink.protocol_unavailable.unix"));
        // Raw tables are counted but not warned about: HostCollector reads /proc/net/raw instead, as ss does.
        Assert.Contains("protocol not available", Assert.Single(diagnostics.Warnings));
        Assert.Contains("unix", diagnostics.Warnings.Single());
    }

    [Fact]
    public void MalformedRecord_IsSkippedAndCounted()
    {
        var transport = new ReplayTransport((_, seq) => [Concat(Message(SockDiag.SOCK_DIAG_BY_FAMILY, seq, new byte[40]), InetMessage(seq, 5, 5), Done(seq))]);
        var diagnostics = new CollectionDiagnostics();
        var collector = new SockDiagCollector(transport, diagnostics);

        collector.Run(s_tcp4, new byte[NetlinkDumpReader.BufferSize]);

        Assert.Single(collector.Records);
        Assert.Equal(1, diagnostics.Get("netlink.records_malformed"));
    }

    [Theory]
    [InlineData(false, true, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 2)]
    [InlineData(true, true, 1u << 10, 1u << 7, 1u << 10, 2)]
    [InlineData(false, false, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0)]
    public void Requests_ApplyTheQueryInTheKernel(bool listening, bool tcpInfo, uint tcpStates, uint udpStates, uint unixStates, byte tcpExt)
    {
        var transport = new ReplayTransport((_, seq) => [Done(seq)]);
        new SockDiagCollector(transport, new CollectionDiagnostics())
            .Collect(new SocketQuery { ListeningOnly = listening, IncludeTcpInfo = tcpInfo, Families = IpFamilySet.IPv4 });

        // tcp, udp, raw (IPv4 only), unix
        Assert.Equal(4, transport.Requests.Count);
        byte[] tcp = transport.Requests[0], udp = transport.Requests[1], raw = transport.Requests[2], unix = transport.Requests[3];
        Assert.Equal(72, tcp.Length);
        Assert.Equal((ushort)0x301, BinaryPrimitives.ReadUInt16LittleEndian(tcp.AsSpan(6)));
        Assert.Equal([SockDiag.AF_INET, SockDiag.IPPROTO_TCP, tcpExt], tcp[16..19]);
        Assert.Equal(tcpStates, BinaryPrimitives.ReadUInt32LittleEndian(tcp.AsSpan(20)));
        Assert.Equal([SockDiag.AF_INET, SockDiag.IPPROTO_UDP, 0], udp[16..19]);
        Assert.Equal(udpStates, BinaryPrimitives.ReadUInt32LittleEndian(udp.AsSpan(20)));
        Assert.Equal([SockDiag.AF_INET, SockDiag.IPPROTO_RAW, 0], raw[16..19]);
        Assert.Equal(40, unix.Length);
        Assert.Equal(SockDiag.AF_UNIX, unix[16]);
        Assert.Equal(unixStates, BinaryPrimitives.ReadUInt32LittleEndian(unix.AsSpan(20)));
        Assert.Equal(0x15u, BinaryPrimitives.ReadUInt32LittleEndian(unix.AsSpan(28)));
    }

    [Fact]
    public void Query_SelectsTransportsAndFamilies()
    {
        var transport = new ReplayTransport((_, seq) => [Done(seq)]);
        new SockDiagCollector(transport, new CollectionDiagnostics())
            .Collect(new SocketQuery { Transports = TransportSet.Udp, Families = IpFamilySet.IPv6 });
        byte[] request = Assert.Single(transport.Requests);
        Assert.Equal([SockDiag.AF_INET6, SockDiag.IPPROTO_UDP], request[16..18]);
    }
}
