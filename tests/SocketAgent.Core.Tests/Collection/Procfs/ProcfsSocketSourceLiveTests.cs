using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Procfs;

/// <summary>Integration on the live kernel: sockets opened here show up in /proc/net as we expect.</summary>
public class ProcfsSocketSourceLiveTests
{
    [Fact]
    public void Tcp_ListenersPairsQueuesAndInodes()
    {
        using var s = LiveSockets.Open(spawnChild: false);
        Dictionary<ulong, SocketRecord> byInode = ByInode(Collect(SocketQuery.All));

        SocketRecord listener = byInode[LiveSockets.InodeOf(s.TcpV4Listener)];
        Assert.Equal((Transport.Tcp, KernelSocketState.Listen, AddressFamily.InterNetwork), (listener.Transport, listener.State, listener.Family));
        Assert.Equal(IPAddress.Loopback, listener.LocalAddress);
        Assert.Equal(LiveSockets.PortOf(s.TcpV4Listener), listener.LocalPort);
        Assert.Equal(0UL, listener.SendQueue); // procfs: 0 for listeners (sock_diag would give the backlog limit)

        SocketRecord client = byInode[LiveSockets.InodeOf(s.TcpV4Client)];
        SocketRecord accepted = byInode[LiveSockets.InodeOf(s.TcpV4Server)];
        Assert.Equal(KernelSocketState.Established, client.State);
        Assert.Equal(LiveSockets.PortOf(s.TcpV4Client), client.LocalPort);
        Assert.Equal(listener.LocalPort, client.RemotePort);
        Assert.Equal(client.LocalPort, accepted.RemotePort);
        Assert.Equal((ulong)LiveSockets.UnreadTcpBytes, accepted.RecvQueue);
        Assert.Equal(0UL, client.RecvQueue);
        Assert.Equal(Environment.UserName == "root" ? 0U : client.Uid, client.Uid);

        SocketRecord v6 = byInode[LiveSockets.InodeOf(s.TcpV6Client)];
        Assert.Equal(AddressFamily.InterNetworkV6, v6.Family);
        Assert.Equal(IPAddress.IPv6Loopback, v6.LocalAddress);
        Assert.Equal(LiveSockets.PortOf(s.TcpV6Listener), v6.RemotePort);
        Assert.Equal((ulong)LiveSockets.UnreadTcpV6Bytes, v6.RecvQueue);
        Assert.Equal(KernelSocketState.Listen, byInode[LiveSockets.InodeOf(s.TcpV6Listener)].State);
    }

    [Fact]
    public void DualStack_IPv4ClientIsNormalisedToIPv4_AndSelectedWithTheIPv6Table()
    {
        using var s = LiveSockets.Open(spawnChild: false);
        ulong acceptedInode = LiveSockets.InodeOf(s.DualStackServer);

        SocketRecord accepted = ByInode(Collect(SocketQuery.All))[acceptedInode];
        Assert.Equal(AddressFamily.InterNetwork, accepted.Family);
        Assert.Equal(IPAddress.Loopback, accepted.LocalAddress);
        Assert.Equal(IPAddress.Loopback, accepted.RemoteAddress);
        Assert.Equal(LiveSockets.PortOf(s.DualStackListener), accepted.LocalPort);
        Assert.Equal(LiveSockets.PortOf(s.DualStackV4Client), accepted.RemotePort);

        SocketRecord dualListener = ByInode(Collect(SocketQuery.All))[LiveSockets.InodeOf(s.DualStackListener)];
        Assert.Equal(IPAddress.IPv6Any, dualListener.LocalAddress);

        // Like netstat -4 / -6: the record comes from tcp6, so the IPv6 selection has it and the IPv4 one does not.
        Assert.Contains(Collect(SocketQuery.All with { Families = IpFamilySet.IPv6 }), r => r.Inode == acceptedInode);
        Assert.DoesNotContain(Collect(SocketQuery.All with { Families = IpFamilySet.IPv4 }), r => r.Inode == acceptedInode);
    }

    [Fact]
    public void Udp_BoundIsUnconnectedWithQueuedData_ConnectedIsEstablished()
    {
        using var s = LiveSockets.Open(spawnChild: false);
        Dictionary<ulong, SocketRecord> byInode = ByInode(Collect(SocketQuery.All with { Transports = TransportSet.Udp }));

        SocketRecord bound = byInode[LiveSockets.InodeOf(s.UdpBound)];
        Assert.Equal((Transport.Udp, KernelSocketState.Close), (bound.Transport, bound.State));
        Assert.Equal(LiveSockets.PortOf(s.UdpBound), bound.LocalPort);
        Assert.True(bound.RecvQueue > 0, "the unread datagram is counted in rx_queue");

        SocketRecord connected = byInode[LiveSockets.InodeOf(s.UdpConnected)];
        Assert.Equal(KernelSocketState.Established, connected.State);
        Assert.Equal(bound.LocalPort, connected.RemotePort);
        Assert.Equal(IPAddress.Loopback, connected.RemoteAddress);

        Assert.All(byInode.Values, r => Assert.Equal(Transport.Udp, r.Transport));
    }

    [Fact]
    public void Raw_IcmpSocket_ProtocolAsPort()
    {
        using var s = LiveSockets.Open(spawnChild: false);
        Assert.SkipWhen(s.RawIcmp is null, "raw sockets need root or CAP_NET_RAW");

        SocketRecord raw = ByInode(Collect(SocketQuery.All with { Transports = TransportSet.Raw }))[LiveSockets.InodeOf(s.RawIcmp!)];
        Assert.Equal((Transport.Raw, KernelSocketState.Close, AddressFamily.InterNetwork), (raw.Transport, raw.State, raw.Family));
        Assert.Equal(1, raw.RawProtocol);
        Assert.Equal(1, raw.LocalPort);
        Assert.Equal(IPAddress.Any, raw.LocalAddress);
    }

    [Fact]
    public void Unix_PathWithSpace_Abstract_Dgram_States()
    {
        using var s = LiveSockets.Open(spawnChild: false);
        Dictionary<ulong, SocketRecord> byInode = ByInode(Collect(SocketQuery.All with { Transports = TransportSet.Unix }));

        SocketRecord listener = byInode[LiveSockets.InodeOf(s.UnixListener)];
        Assert.Equal((Transport.Unix, AddressFamily.Unix, UnixSocketType.Stream, KernelSocketState.Listen),
                     (listener.Transport, listener.Family, listener.UnixType, listener.State));
        Assert.Equal(s.UnixPath, listener.UnixPath);
        Assert.Equal(0x10000U, listener.UnixFlags);

        SocketRecord client = byInode[LiveSockets.InodeOf(s.UnixClient)];
        Assert.Equal(KernelSocketState.Established, client.State);
        Assert.Null(client.UnixPath);
        SocketRecord accepted = byInode[LiveSockets.InodeOf(s.UnixServer)];
        Assert.Equal(KernelSocketState.Established, accepted.State);
        Assert.Equal(s.UnixPath, accepted.UnixPath);

        SocketRecord @abstract = byInode[LiveSockets.InodeOf(s.AbstractListener)];
        Assert.Equal("@" + s.AbstractName, @abstract.UnixPath);
        Assert.Equal(KernelSocketState.Listen, @abstract.State);

        SocketRecord dgram = byInode[LiveSockets.InodeOf(s.UnixDgram)];
        Assert.Equal(UnixSocketType.Dgram, dgram.UnixType);
        Assert.Equal(s.UnixDgramPath, dgram.UnixPath);

        Assert.All(byInode.Values, r => Assert.Equal(Transport.Unix, r.Transport));
    }

    [Fact]
    public void ListeningOnly_OurListenersAndUnconnectedSocketsOnly()
    {
        using var s = LiveSockets.Open(spawnChild: false);
        HashSet<ulong> listening = Collect(SocketQuery.All with { ListeningOnly = true }).Select(r => r.Inode).ToHashSet();

        Assert.Contains(LiveSockets.InodeOf(s.TcpV4Listener), listening);
        Assert.Contains(LiveSockets.InodeOf(s.TcpV6Listener), listening);
        Assert.Contains(LiveSockets.InodeOf(s.DualStackListener), listening);
        Assert.Contains(LiveSockets.InodeOf(s.UdpBound), listening);
        Assert.Contains(LiveSockets.InodeOf(s.UnixListener), listening);
        Assert.Contains(LiveSockets.InodeOf(s.AbstractListener), listening);
        Assert.DoesNotContain(LiveSockets.InodeOf(s.TcpV4Client), listening);
        Assert.DoesNotContain(LiveSockets.InodeOf(s.UdpConnected), listening);
        Assert.DoesNotContain(LiveSockets.InodeOf(s.UnixServer), listening);
    }

    private static List<SocketRecord> Collect(SocketQuery query)
    {
        var diagnostics = new CollectionDiagnostics();
        List<SocketRecord> records = new ProcfsSocketSource().Collect(query, diagnostics).ToList();
        Assert.Equal(0, diagnostics.Get(ProcfsCounters.LinesMalformed));
        return records;
    }

    private static Dictionary<ulong, SocketRecord> ByInode(IEnumerable<SocketRecord> records) =>
        // /proc/net/tcp can list a socket twice when it moves while the kernel prints the table: keep the last.
        records.Where(r => r.Inode != 0).GroupBy(r => r.Inode).ToDictionary(g => g.Key, g => g.Last());
}
