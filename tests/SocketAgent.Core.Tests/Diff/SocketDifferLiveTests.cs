using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Tests.Diff;

/// <summary>A real loopback connection taken through its states, dumped with sock_diag and diffed.</summary>
public sealed class SocketDifferLiveTests
{
    private static readonly NetworkNamespace s_namespace = new() { Inode = 1, IsAgentNamespace = true };
    private static readonly SocketQuery s_query = new() { Transports = TransportSet.Tcp, Families = IpFamilySet.IPv4 };

    private static ulong CookieOf(Socket socket)
    {
        Span<byte> value = stackalloc byte[8];
        Assert.Equal(8, socket.GetRawSocketOption(1 /* SOL_SOCKET */, 57 /* SO_COOKIE */, value));
        return BitConverter.ToUInt64(value);
    }

    /// <summary>Dumps until <paramref name="ready"/> holds: loopback delivery is asynchronous to send()/shutdown().</summary>
    private static IReadOnlyList<SocketRecord> CollectUntil(Func<IReadOnlyList<SocketRecord>, bool> ready)
    {
        var source = new NetlinkSocketSource();
        IReadOnlyList<SocketRecord> records = source.Collect(s_query, new CollectionDiagnostics());
        for (int i = 0; i < 100 && !ready(records); i++)
        {
            Thread.Sleep(10);
            records = source.Collect(s_query, new CollectionDiagnostics());
        }
        Assert.True(ready(records), "the kernel never reached the expected states");
        return records;
    }

    private static KernelSocketState? StateOf(IReadOnlyList<SocketRecord> records, ulong cookie) =>
        records.FirstOrDefault(r => r.Cookie == cookie)?.State;

    private static List<SocketEvent> Of(IReadOnlyList<SocketEvent> events, params ulong[] cookies) =>
        events.Where(e => cookies.Contains(e.Socket.Cookie!.Value)).ToList();

    [Fact]
    public void HalfCloseThenCloseGivesStateChangesAndOneClosePerSocket()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using Socket server = listener.Accept();
        ulong c = CookieOf(client), s = CookieOf(server);
        client.Send(new byte[1000]);

        var differ = new SocketDiffer();
        DateTimeOffset start = DateTimeOffset.UtcNow;
        IReadOnlyList<SocketRecord> records = CollectUntil(r => StateOf(r, c) == KernelSocketState.Established && StateOf(r, s) == KernelSocketState.Established);
        List<SocketEvent> first = Of(differ.Apply(s_namespace, records, SocketOwners.Empty, start), c, s);
        Assert.Equal(2, first.Count);
        Assert.All(first, e => Assert.Equal(SocketEventAction.Snapshot, e.Action));

        // Half-close from the client: client FIN_WAIT2 (its fd still open), server CLOSE_WAIT.
        client.Shutdown(SocketShutdown.Send);
        records = CollectUntil(r => StateOf(r, c) == KernelSocketState.FinWait2 && StateOf(r, s) == KernelSocketState.CloseWait);
        List<SocketEvent> half = Of(differ.Apply(s_namespace, records, SocketOwners.Empty, DateTimeOffset.UtcNow), c, s);
        Assert.Equal(2, half.Count);
        Assert.All(half, e => Assert.Equal((SocketEventAction.StateChanged, KernelSocketState.Established), (e.Action, e.PreviousState)));

        // The server closes its side: it goes LAST_ACK → CLOSE and leaves the dump (its fd is still open); the
        // client's socket is replaced by a TIME_WAIT entry that keeps its cookie (inode 0, timer 3, no tcp_info).
        server.Shutdown(SocketShutdown.Send);
        records = CollectUntil(r => StateOf(r, c) == KernelSocketState.TimeWait && StateOf(r, s) is null);
        SocketRecord timeWait = Assert.Single(records, r => r.Cookie == c);
        Assert.Equal((0UL, (byte)3, (TcpInfo?)null), (timeWait.Inode, timeWait.Timer, timeWait.TcpInfo));

        List<SocketEvent> closed = Of(differ.Apply(s_namespace, records, SocketOwners.Empty, DateTimeOffset.UtcNow), c, s);
        Assert.Equal(2, closed.Count);
        Assert.All(closed, e => Assert.Equal(SocketEventAction.Closed, e.Action));
        SocketEvent clientClosed = Assert.Single(closed, e => e.Socket.Cookie == c);
        Assert.Equal(KernelSocketState.TimeWait, clientClosed.Socket.State);
        Assert.NotEqual(0UL, clientClosed.Socket.Inode);
        Assert.True(clientClosed.Socket.TcpInfo!.BytesAcked >= 1000);
        Assert.Equal(start, clientClosed.FirstSeen);
        Assert.Equal(KernelSocketState.CloseWait, Assert.Single(closed, e => e.Socket.Cookie == s).Socket.State);

        // The TIME_WAIT entry stays for a minute: silent.
        Assert.Empty(Of(differ.Apply(s_namespace, CollectUntil(_ => true), SocketOwners.Empty, DateTimeOffset.UtcNow), c, s));
    }
}
