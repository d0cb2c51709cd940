using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>Opens real sockets in this process and checks what the live kernel reports for each of them.</summary>
public sealed class NetlinkSocketSourceIntegrationTests : IDisposable
{
    private const int SoCookie = 57;
    private readonly List<IDisposable> _resources = [];
    private readonly string _unixPath = Path.Combine(Path.GetTempPath(), $"sa-netlink-{Guid.NewGuid():N}.sock");

    public void Dispose()
    {
        foreach (IDisposable resource in _resources)
        {
            resource.Dispose();
        }
        File.Delete(_unixPath);
    }

    private T Keep<T>(T resource) where T : IDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    private static ulong CookieOf(Socket socket)
    {
        Span<byte> value = stackalloc byte[8];
        Assert.Equal(8, socket.GetRawSocketOption(1 /* SOL_SOCKET */, SoCookie, value));
        return BitConverter.ToUInt64(value);
    }

    private static ulong InodeOf(Socket socket)
    {
        // /proc/self/fd/N → "socket:[INODE]"
        string target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!;
        Assert.StartsWith("socket:[", target);
        return ulong.Parse(target["socket:[".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static SocketRecord ByCookie(IReadOnlyList<SocketRecord> records, Socket socket)
    {
        ulong cookie = CookieOf(socket);
        SocketRecord record = Assert.Single(records, r => r.Cookie == cookie);
        Assert.Equal(InodeOf(socket), record.Inode);
        return record;
    }

    private (Socket Listener, Socket Client, Socket Server) TcpPair(IPAddress listenAddress, IPAddress connectAddress, bool dualMode = false)
    {
        Socket listener = Keep(new Socket(listenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        if (dualMode)
        {
            listener.DualMode = true;
        }
        listener.Bind(new IPEndPoint(listenAddress, 0));
        listener.Listen(16);
        Socket client = Keep(new Socket(connectAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        client.Connect(new IPEndPoint(connectAddress, ((IPEndPoint)listener.LocalEndPoint!).Port));
        Socket server = Keep(listener.Accept());
        return (listener, client, server);
    }

    /// <summary>Collects until <paramref name="ready"/> holds: loopback delivery is asynchronous to send().</summary>
    private static IReadOnlyList<SocketRecord> CollectUntil(SocketQuery query, CollectionDiagnostics diagnostics, Func<IReadOnlyList<SocketRecord>, bool> ready)
    {
        var source = new NetlinkSocketSource();
        IReadOnlyList<SocketRecord> records = source.Collect(query, diagnostics);
        for (int i = 0; i < 50 && !ready(records); i++)
        {
            Thread.Sleep(20);
            records = source.Collect(query, diagnostics);
        }
        return records;
    }

    [Fact]
    public void Tcp_ListenersPairsAndDualStack_AreReportedWithQueuesInodesCookiesAndTcpInfo()
    {
        var (listener4, client4, server4) = TcpPair(IPAddress.Loopback, IPAddress.Loopback);
        var (listener6, client6, server6) = TcpPair(IPAddress.IPv6Loopback, IPAddress.IPv6Loopback);
        var (dualListener, dualClient, dualServer) = TcpPair(IPAddress.IPv6Any, IPAddress.Loopback, dualMode: true);
        client4.Send(new byte[100]);
        server4.Send(new byte[7]);
        Assert.Equal(7, client4.Receive(new byte[16]));
        client6.Send(new byte[50]);
        dualClient.Send(new byte[9]);

        ulong server4Cookie = CookieOf(server4), server6Cookie = CookieOf(server6), dualCookie = CookieOf(dualServer);
        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<SocketRecord> records = CollectUntil(SocketQuery.All, diagnostics, rs =>
            rs.Any(r => r.Cookie == server4Cookie && r.RecvQueue == 100) &&
            rs.Any(r => r.Cookie == server6Cookie && r.RecvQueue == 50) &&
            rs.Any(r => r.Cookie == dualCookie && r.RecvQueue == 9));

        int port4 = ((IPEndPoint)listener4.LocalEndPoint!).Port;
        SocketRecord l4 = ByCookie(records, listener4);
        Assert.Equal((Transport.Tcp, AddressFamily.InterNetwork, KernelSocketState.Listen), (l4.Transport, l4.Family, l4.State));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port4), new IPEndPoint(l4.LocalAddress!, l4.LocalPort));
        Assert.Equal(16UL, l4.SendQueue); // backlog

        SocketRecord c4 = ByCookie(records, client4);
        Assert.Equal(KernelSocketState.Established, c4.State);
        Assert.Equal(((IPEndPoint)client4.LocalEndPoint!).Port, c4.LocalPort);
        Assert.Equal(port4, c4.RemotePort);
        Assert.Equal(101UL, c4.TcpInfo!.BytesAcked);  // + SYN
        Assert.Equal(7UL, c4.TcpInfo.BytesReceived);

        SocketRecord s4 = ByCookie(records, server4);
        Assert.Equal(100UL, s4.RecvQueue);
        Assert.Equal(100UL, s4.TcpInfo!.BytesReceived);
        Assert.Equal(7UL, s4.TcpInfo.BytesAcked);     // the passive side's SYN-ACK is not counted

        SocketRecord l6 = ByCookie(records, listener6);
        Assert.Equal(AddressFamily.InterNetworkV6, l6.Family);
        Assert.Equal(IPAddress.IPv6Loopback, l6.LocalAddress);
        SocketRecord s6 = ByCookie(records, server6);
        Assert.Equal((AddressFamily.InterNetworkV6, 50UL), (s6.Family, s6.RecvQueue));
        Assert.Equal(IPAddress.IPv6Loopback, s6.RemoteAddress);
        Assert.Equal(((IPEndPoint)client6.LocalEndPoint!).Port, s6.RemotePort);
        ByCookie(records, client6);

        SocketRecord dl = ByCookie(records, dualListener);
        Assert.Equal((AddressFamily.InterNetworkV6, KernelSocketState.Listen), (dl.Family, dl.State));
        Assert.Equal(IPAddress.IPv6Any, dl.LocalAddress);
        // The IPv4 client of the dual-stack listener: ::ffff:127.0.0.1 in the v6 table, IPv4 here.
        SocketRecord ds = ByCookie(records, dualServer);
        Assert.Equal(AddressFamily.InterNetwork, ds.Family);
        Assert.Equal(IPAddress.Loopback, ds.LocalAddress);
        Assert.Equal(IPAddress.Loopback, ds.RemoteAddress);
        Assert.Equal(((IPEndPoint)dualClient.LocalEndPoint!).Port, ds.RemotePort);
        Assert.Equal(9UL, ds.RecvQueue);
        Assert.Equal(AddressFamily.InterNetwork, ByCookie(records, dualClient).Family);

        Assert.Equal(0, diagnostics.Get("netlink.records_malformed"));
    }

    [Fact]
    public void Udp_BoundAndConnected_AreReported()
    {
        Socket bound = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Socket connected = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        connected.Connect(bound.LocalEndPoint!);
        connected.Send(new byte[10]);
        Socket bound6 = Keep(new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
        bound6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));

        ulong boundCookie = CookieOf(bound);
        IReadOnlyList<SocketRecord> records = CollectUntil(
            new SocketQuery { Transports = TransportSet.Udp }, new CollectionDiagnostics(),
            rs => rs.Any(r => r.Cookie == boundCookie && r.RecvQueue > 0));

        SocketRecord b = ByCookie(records, bound);
        Assert.Equal((Transport.Udp, KernelSocketState.Close), (b.Transport, b.State));
        Assert.Equal(((IPEndPoint)bound.LocalEndPoint!).Port, b.LocalPort);
        Assert.True(b.RecvQueue > 0);
        Assert.Null(b.TcpInfo);

        SocketRecord c = ByCookie(records, connected);
        Assert.Equal(KernelSocketState.Established, c.State);
        Assert.Equal(((IPEndPoint)bound.LocalEndPoint!).Port, c.RemotePort);

        SocketRecord b6 = ByCookie(records, bound6);
        Assert.Equal(AddressFamily.InterNetworkV6, b6.Family);
        Assert.All(records, r => Assert.Equal(Transport.Udp, r.Transport));
    }

    [Fact]
    public void Unix_PathAndAbstractListenersAndPair_AreReported()
    {
        Socket listener = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        listener.Bind(new UnixDomainSocketEndPoint(_unixPath));
        listener.Listen(4);
        string abstractName = $"sa-netlink-{Guid.NewGuid():N}";
        Socket abstractListener = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        abstractListener.Bind(new UnixDomainSocketEndPoint("\0" + abstractName));
        abstractListener.Listen(2);
        Socket client = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        client.Connect(new UnixDomainSocketEndPoint(_unixPath));
        Socket server = Keep(listener.Accept());
        client.Send(new byte[30]);

        IReadOnlyList<SocketRecord> records = new NetlinkSocketSource().Collect(new SocketQuery { Transports = TransportSet.Unix }, new CollectionDiagnostics());

        SocketRecord l = ByCookie(records, listener);
        Assert.Equal((Transport.Unix, AddressFamily.Unix, UnixSocketType.Stream, KernelSocketState.Listen), (l.Transport, l.Family, l.UnixType, l.State));
        Assert.Equal(_unixPath, l.UnixPath);
        Assert.Equal(4UL, l.SendQueue);

        SocketRecord a = ByCookie(records, abstractListener);
        Assert.Equal("@" + abstractName, a.UnixPath);

        SocketRecord s = ByCookie(records, server);
        SocketRecord c = ByCookie(records, client);
        Assert.Equal(KernelSocketState.Established, s.State);
        Assert.Equal(30UL, s.RecvQueue);
        Assert.Equal(c.Inode, s.UnixPeerInode);
        Assert.Equal(s.Inode, c.UnixPeerInode);
    }

    [Fact]
    public void ListeningOnly_ReturnsListenersAndUnconnectedSocketsOnly()
    {
        var (listener, client, server) = TcpPair(IPAddress.Loopback, IPAddress.Loopback);
        Socket udp = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        IReadOnlyList<SocketRecord> records = new NetlinkSocketSource().Collect(new SocketQuery { ListeningOnly = true }, new CollectionDiagnostics());

        ByCookie(records, listener);
        ByCookie(records, udp);
        Assert.DoesNotContain(records, r => r.Cookie == CookieOf(client) || r.Cookie == CookieOf(server));
        Assert.All(records, r => Assert.True(
            r.Transport is Transport.Tcp or Transport.Unix ? r.State == KernelSocketState.Listen : r.State == KernelSocketState.Close,
            $"{r.Transport} {r.State}"));
    }

    [Fact]
    public void IncludeTcpInfoFalse_LeavesTcpInfoNull()
    {
        var (listener, _, _) = TcpPair(IPAddress.Loopback, IPAddress.Loopback);
        IReadOnlyList<SocketRecord> records = new NetlinkSocketSource().Collect(
            new SocketQuery { Transports = TransportSet.Tcp, IncludeTcpInfo = false }, new CollectionDiagnostics());
        Assert.Null(ByCookie(records, listener).TcpInfo);
        Assert.All(records, r => Assert.Null(r.TcpInfo));
    }

    [Fact]
    public void RawSockets_WithoutRawDiag_AreCountedUnavailable()
    {
        var diagnostics = new CollectionDiagnostics();
        var tcpAndRaw = new SocketQuery { Transports = TransportSet.Tcp | TransportSet.Raw, Families = IpFamilySet.IPv4 };
        new NetlinkSocketSource().Collect(tcpAndRaw, diagnostics);
        new NetlinkSocketSource().Collect(tcpAndRaw, diagnostics);
        if (diagnostics.Get("netlink.protocol_unavailable.raw") == 0)
        {
            Assert.Empty(diagnostics.Warnings); // a kernel with raw_diag
            return;
        }

        // This kernel (CONFIG_INET_RAW_DIAG unset) answers -ENOENT: counted each time, not warned about, since
        // HostCollector then reads /proc/net/raw (as ss does).
        Assert.Equal(2, diagnostics.Get("netlink.protocol_unavailable.raw"));
        Assert.Empty(diagnostics.Warnings);

        // When nothing asked for can be dumped, the caller is told to fall back to /proc/net.
        Assert.Throws<SocketSourceUnavailableException>(() =>
            new NetlinkSocketSource().Collect(new SocketQuery { Transports = TransportSet.Raw }, new CollectionDiagnostics()));
    }

    [Fact]
    public void RefusedNetlinkProtocol_ThrowsSourceUnavailable()
    {
        // Netlink protocols stop at 31: the kernel answers EPROTONOSUPPORT, as a kernel without sock_diag would.
        var source = new NetlinkSocketSource(protocol: 99);
        var e = Assert.Throws<SocketSourceUnavailableException>(() => source.Collect(SocketQuery.All, new CollectionDiagnostics()));
        Assert.Equal(93, Assert.IsType<NetlinkException>(e.InnerException).Errno);
    }

    [Fact]
    public void RouteSocket_OpensThroughTheSameSeam()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkProtocol.Route, groups: 1 /* RTNLGRP_LINK */);

        // The kernel's own list of netlink sockets (/proc/net/netlink: sk Eth Pid Groups … Inode) must show this one,
        // found by the inode its descriptor links to, as NETLINK_ROUTE (Eth 0), bound (a port id) to group mask 1.
        var handle = (System.Runtime.InteropServices.SafeHandle)typeof(NetlinkSocket)
            .GetField("_handle", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(socket)!;
        string link = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget!;
        Assert.StartsWith("socket:[", link);
        string inode = link[8..^1];
        string[] row = Assert.Single(File.ReadLines("/proc/net/netlink").Skip(1)
            .Select(static l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)), r => r[^1] == inode);
        Assert.Equal("0", row[1]); // NETLINK_ROUTE
        Assert.NotEqual("0", row[2]); // bind() gave it a port id
        Assert.Equal("00000001", row[3]); // RTNLGRP_LINK
    }

    [Fact]
    public void ReceiveWithNoAnswer_TimesOutInsteadOfHanging()
    {
        using NetlinkSocket socket = NetlinkSocket.Open(NetlinkProtocol.SockDiag);
        socket.SetReceiveTimeout(TimeSpan.FromMilliseconds(50));
        var e = Assert.Throws<NetlinkException>(() => socket.Receive(new byte[1024]));
        Assert.Equal(11, e.Errno); // EAGAIN
    }
}
