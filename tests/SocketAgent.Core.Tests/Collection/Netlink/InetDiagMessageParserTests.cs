using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// Parses the captured dumps. Open at capture time (see capture.py / manifest.json): a 127.0.0.1:47001 listener
/// (backlog 8) with an accepted pair (client sent 100 bytes the server never read; server sent 7 bytes the
/// client read) and one connection left in the accept queue; a ::1:47002 listener and pair (client sent 50
/// bytes, unread); a dual-stack [::]:47003 listener with an IPv4 client (sent 9 bytes, unread); UDP
/// 127.0.0.1:47004 bound with two unread 10-byte datagrams, 127.0.0.1:47005 connected to it; UDP ::1:47006.
/// </summary>
public class InetDiagMessageParserTests
{
    private static SocketRecord Find(List<SocketRecord> records, int localPort, int remotePort) =>
        Assert.Single(records, r => r.LocalPort == localPort && r.RemotePort == remotePort);

    [Fact]
    public void Tcp4Dump_ParsesListenerWithAcceptQueue()
    {
        var (records, result, probe) = NetlinkFixtures.Parse("tcp4", Transport.Tcp);
        Assert.True(result.Succeeded);
        Assert.False(result.Interrupted);
        Assert.Equal(0, probe.Malformed);

        SocketRecord listener = Find(records, 47001, 0);
        Assert.Equal(Transport.Tcp, listener.Transport);
        Assert.Equal(AddressFamily.InterNetwork, listener.Family);
        Assert.Equal(KernelSocketState.Listen, listener.State);
        Assert.Equal(IPAddress.Loopback, listener.LocalAddress);
        Assert.Equal(IPAddress.Any, listener.RemoteAddress);
        Assert.Equal(NetlinkFixtures.Inode("tcp4_listener"), listener.Inode);
        Assert.Equal(NetlinkFixtures.Cookie("tcp4_listener"), listener.Cookie);
        // Listeners: accept-queue length and backlog, as netstat and ss print them.
        Assert.Equal(1UL, listener.RecvQueue);
        Assert.Equal(8UL, listener.SendQueue);
        Assert.Equal(0u, listener.Uid);
        Assert.NotNull(listener.TcpInfo);
        Assert.Equal((byte)KernelSocketState.Listen, listener.TcpInfo.State);
    }

    [Fact]
    public void Tcp4Dump_ParsesEstablishedPairWithQueuesAndTcpInfo()
    {
        var (records, _, _) = NetlinkFixtures.Parse("tcp4", Transport.Tcp);
        int clientPort = NetlinkFixtures.LocalPort("tcp4_client");

        SocketRecord client = Find(records, clientPort, 47001);
        Assert.Equal(KernelSocketState.Established, client.State);
        Assert.Equal(IPAddress.Loopback, client.RemoteAddress);
        Assert.Equal(NetlinkFixtures.Inode("tcp4_client"), client.Inode);
        Assert.Equal(NetlinkFixtures.Cookie("tcp4_client"), client.Cookie);
        Assert.Equal(0UL, client.RecvQueue);
        Assert.Equal(0UL, client.SendQueue);
        TcpInfo clientInfo = Assert.IsType<TcpInfo>(client.TcpInfo);
        Assert.Equal(101UL, clientInfo.BytesAcked);   // 100 data bytes + the SYN
        Assert.Equal(7UL, clientInfo.BytesReceived);
        Assert.Equal(100UL, clientInfo.BytesSent);
        Assert.Equal(4u, clientInfo.SegsOut);
        Assert.Equal(3u, clientInfo.SegsIn);
        Assert.NotNull(clientInfo.TotalRtoTimeMillis); // a 280-byte struct: the last field is present

        SocketRecord server = Find(records, 47001, clientPort);
        Assert.Equal(NetlinkFixtures.Inode("tcp4_server"), server.Inode);
        Assert.Equal(NetlinkFixtures.Cookie("tcp4_server"), server.Cookie);
        Assert.Equal(100UL, server.RecvQueue);
        Assert.Equal(100UL, server.TcpInfo!.BytesReceived);
        Assert.Equal(7UL, server.TcpInfo.BytesSent);

        // The connection still in the accept queue has no file yet: inode 0.
        SocketRecord queued = Find(records, 47001, NetlinkFixtures.LocalPort("tcp4_pending_client"));
        Assert.Equal(0UL, queued.Inode);
        Assert.Equal(KernelSocketState.Established, queued.State);
    }

    [Fact]
    public void Tcp6Dump_ParsesLoopbackAndNormalisesV4MappedPeer()
    {
        var (records, result, probe) = NetlinkFixtures.Parse("tcp6", Transport.Tcp);
        Assert.True(result.Succeeded);
        Assert.Equal(0, probe.Malformed);

        SocketRecord listener = Find(records, 47002, 0);
        Assert.Equal(AddressFamily.InterNetworkV6, listener.Family);
        Assert.Equal(IPAddress.IPv6Loopback, listener.LocalAddress);
        Assert.Equal(IPAddress.IPv6Any, listener.RemoteAddress);
        Assert.Equal(4UL, listener.SendQueue);

        SocketRecord server6 = Find(records, 47002, NetlinkFixtures.LocalPort("tcp6_client"));
        Assert.Equal(AddressFamily.InterNetworkV6, server6.Family);
        Assert.Equal(IPAddress.IPv6Loopback, server6.RemoteAddress);
        Assert.Equal(50UL, server6.RecvQueue);
        Assert.Equal(NetlinkFixtures.Cookie("tcp6_server"), server6.Cookie);

        SocketRecord dual = Find(records, 47003, 0);
        Assert.Equal(AddressFamily.InterNetworkV6, dual.Family);
        Assert.Equal(IPAddress.IPv6Any, dual.LocalAddress);

        // Accepted from an IPv4 client on the dual-stack listener: ::ffff:127.0.0.1 in the dump, IPv4 here.
        SocketRecord mapped = Find(records, 47003, NetlinkFixtures.LocalPort("dual_v4_client"));
        Assert.Equal(AddressFamily.InterNetwork, mapped.Family);
        Assert.Equal(IPAddress.Loopback, mapped.LocalAddress);
        Assert.Equal(IPAddress.Loopback, mapped.RemoteAddress);
        Assert.Equal(9UL, mapped.RecvQueue);
        Assert.Equal(NetlinkFixtures.Inode("dual_server"), mapped.Inode);
    }

    [Fact]
    public void UdpDumps_ParseBoundAndConnected()
    {
        var (records, result, _) = NetlinkFixtures.Parse("udp4", Transport.Udp);
        Assert.True(result.Succeeded);

        SocketRecord bound = Find(records, 47004, 0);
        Assert.Equal(Transport.Udp, bound.Transport);
        Assert.Equal(KernelSocketState.Close, bound.State);
        Assert.Null(bound.TcpInfo);
        Assert.Equal(NetlinkFixtures.Inode("udp4_bound"), bound.Inode);
        // UDP Recv-Q is the receive buffer memory the datagrams hold, as /proc/net/udp shows it.
        Assert.Equal(1664UL, bound.RecvQueue);

        SocketRecord connected = Find(records, 47005, 47004);
        Assert.Equal(KernelSocketState.Established, connected.State);
        Assert.Equal(NetlinkFixtures.Cookie("udp4_connected"), connected.Cookie);

        var (records6, _, _) = NetlinkFixtures.Parse("udp6", Transport.Udp);
        SocketRecord bound6 = Find(records6, 47006, 0);
        Assert.Equal(AddressFamily.InterNetworkV6, bound6.Family);
        Assert.Equal(IPAddress.IPv6Loopback, bound6.LocalAddress);
    }

    [Fact]
    public void RawDump_OnKernelWithoutRawDiag_EndsWithEnoent()
    {
        var (records, result, _) = NetlinkFixtures.Parse("raw4", Transport.Raw);
        Assert.Empty(records);
        Assert.Equal(2, result.Error); // NLMSG_DONE carrying -ENOENT: CONFIG_INET_RAW_DIAG is not set
    }

    [Fact]
    public void RawMessage_TakesProtocolFromAttributeElseFromPort()
    {
        byte[] message = NetlinkWire.InetMessage(1, port: 1, inode: 5, state: 7);
        byte[] payload = message[NetlinkProtocol.HeaderSize..];
        Assert.True(InetDiagMessageParser.TryParse(payload, Transport.Raw, new IPAddressCache(), out SocketRecord? fromPort));
        Assert.Equal(1, fromPort!.RawProtocol);
        Assert.Equal(1, fromPort.LocalPort);

        // INET_DIAG_PROTOCOL (u8) = 58, padded to 8 bytes.
        byte[] withAttribute = [.. payload, 5, 0, (byte)SockDiag.INET_DIAG_PROTOCOL, 0, 58, 0, 0, 0];
        Assert.True(InetDiagMessageParser.TryParse(withAttribute, Transport.Raw, new IPAddressCache(), out SocketRecord? fromAttribute));
        Assert.Equal(58, fromAttribute!.RawProtocol);
    }

    [Fact]
    public void Message_WithCorruptAttributeOrShortBody_IsRejected()
    {
        byte[] payload = NetlinkWire.InetMessage(1, 80, 1)[NetlinkProtocol.HeaderSize..];
        Assert.False(InetDiagMessageParser.TryParse(payload[..71], Transport.Tcp, new IPAddressCache(), out _));
        byte[] badAttribute = [.. payload, 200, 0, 2, 0];
        Assert.False(InetDiagMessageParser.TryParse(badAttribute, Transport.Tcp, new IPAddressCache(), out _));
        payload[0] = 99;
        Assert.False(InetDiagMessageParser.TryParse(payload, Transport.Tcp, new IPAddressCache(), out _));
    }

    [Fact]
    public void AddressCache_SharesInstances()
    {
        var (records, _, _) = NetlinkFixtures.Parse("tcp4", Transport.Tcp);
        IPAddress[] loopbacks = records.Select(r => r.LocalAddress!).Where(a => a.Equals(IPAddress.Loopback)).Distinct(ReferenceEqualityComparer.Instance).Cast<IPAddress>().ToArray();
        Assert.Single(loopbacks);
    }

    [Theory]
    [InlineData("::ffff:10.0.0.1", "::", AddressFamily.InterNetwork, "10.0.0.1", "0.0.0.0")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.2", AddressFamily.InterNetwork, "10.0.0.1", "10.0.0.2")]
    [InlineData("::ffff:10.0.0.1", "2001:db8::1", AddressFamily.InterNetworkV6, "::ffff:10.0.0.1", "2001:db8::1")]
    [InlineData("::", "::ffff:10.0.0.2", AddressFamily.InterNetworkV6, "::", "::ffff:10.0.0.2")]
    [InlineData("fe80::1", "::", AddressFamily.InterNetworkV6, "fe80::1", "::")]
    public void V6Message_NormalisesOnlyWhollyV4MappedEndpoints(string local, string remote, AddressFamily family, string expectedLocal, string expectedRemote)
    {
        byte[] payload = new byte[SockDiag.InetMessageSize];
        payload[0] = SockDiag.AF_INET6;
        IPAddress.Parse(local).GetAddressBytes().CopyTo(payload, 8);
        IPAddress.Parse(remote).GetAddressBytes().CopyTo(payload, 24);

        Assert.True(InetDiagMessageParser.TryParse(payload, Transport.Udp, new IPAddressCache(), out SocketRecord? record));
        Assert.Equal(family, record!.Family);
        Assert.Equal(IPAddress.Parse(expectedLocal), record.LocalAddress);
        Assert.Equal(IPAddress.Parse(expectedRemote), record.RemoteAddress);
    }
}
