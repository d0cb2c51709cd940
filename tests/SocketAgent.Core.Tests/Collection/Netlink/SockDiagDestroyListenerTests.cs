using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;
using SocketAgent.Tests.Collection.Namespaces;
using SocketAgent.Tests.Collection.Rtnetlink;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// Live destroy notifications on this kernel. Other processes close sockets too, so each test waits for the
/// cookies of its own sockets (cookies are unique for the kernel's life) and ignores the rest.
/// </summary>
public class SockDiagDestroyListenerTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static ulong Cookie(Socket socket)
    {
        Span<byte> value = stackalloc byte[8];
        Assert.Equal(8, socket.GetRawSocketOption(1 /* SOL_SOCKET */, 57 /* SO_COOKIE */, value));
        return BitConverter.ToUInt64(value);
    }

    /// <summary>Reads the channel until every cookie in <paramref name="wanted"/> has arrived or the wait ran out.</summary>
    private static async Task<Dictionary<ulong, SockDiagDestroyEvent>> WaitFor(SockDiagDestroyListener listener, IReadOnlyCollection<ulong> wanted, TimeSpan? wait = null)
    {
        var found = new Dictionary<ulong, SockDiagDestroyEvent>();
        var set = new HashSet<ulong>(wanted);
        using var timeout = new CancellationTokenSource(wait ?? s_wait);
        try
        {
            while (found.Count < set.Count)
            {
                SockDiagDestroyEvent e = await listener.Reader.ReadAsync(timeout.Token);
                if (e.Record.Cookie is ulong cookie && set.Contains(cookie))
                {
                    found[cookie] = e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Return what arrived: the caller's assertion says what is missing.
        }
        return found;
    }

    private static (Socket Client, Socket Peer, Socket Server) Connect(IPAddress address)
    {
        var server = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(address, 0));
        server.Listen();
        var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(server.LocalEndPoint!);
        Socket peer = server.Accept();
        return (client, peer, server);
    }

    private static void ReceiveExactly(Socket socket, int count)
    {
        byte[] buffer = new byte[8192];
        for (int got = 0; got < count;)
        {
            got += socket.Receive(buffer);
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task TcpClose_ArrivesWithFinalTcpInfo(string host)
    {
        IPAddress address = IPAddress.Parse(host);
        TimeProvider time = TimeProvider.System;
        using var listener = new SockDiagDestroyListener(SocketQuery.All).Start();

        (Socket client, Socket peer, Socket server) = Connect(address);
        const int Sent = 5000, Answered = 700;
        client.Send(new byte[Sent]);
        ReceiveExactly(peer, Sent);
        peer.Send(new byte[Answered]);
        ReceiveExactly(client, Answered);

        ulong clientCookie = Cookie(client), peerCookie = Cookie(peer);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port, serverPort = ((IPEndPoint)server.LocalEndPoint!).Port;
        DateTimeOffset closing = time.GetUtcNow();
        client.Dispose();
        peer.Dispose();
        server.Dispose();

        Dictionary<ulong, SockDiagDestroyEvent> events = await WaitFor(listener, [clientCookie, peerCookie]);
        Assert.True(events.ContainsKey(clientCookie), "no destroy event for the client");
        Assert.True(events.ContainsKey(peerCookie), "no destroy event for the accepted socket");

        SocketRecord record = events[clientCookie].Record;
        Assert.Equal(Transport.Tcp, record.Transport);
        Assert.Equal(address, record.LocalAddress);
        Assert.Equal(clientPort, record.LocalPort);
        Assert.Equal(address, record.RemoteAddress);
        Assert.Equal(serverPort, record.RemotePort);
        Assert.NotNull(record.TcpInfo);
        Assert.InRange(record.TcpInfo.BytesAcked!.Value, (ulong)Sent, Sent + 2ul);
        Assert.InRange(record.TcpInfo.BytesReceived!.Value, (ulong)Answered, Answered + 2ul);
        Assert.InRange(events[clientCookie].At, closing, time.GetUtcNow());

        SocketRecord peerRecord = events[peerCookie].Record;
        Assert.Equal(serverPort, peerRecord.LocalPort);
        Assert.Equal(clientPort, peerRecord.RemotePort);
        Assert.InRange(peerRecord.TcpInfo!.BytesAcked!.Value, (ulong)Answered, Answered + 2ul);
        Assert.InRange(peerRecord.TcpInfo.BytesReceived!.Value, (ulong)Sent, Sent + 2ul);
        Assert.Equal(0, listener.Malformed);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task UdpClose_Arrives(string host)
    {
        IPAddress address = IPAddress.Parse(host);
        using var listener = new SockDiagDestroyListener(SocketQuery.All).Start();

        using var server = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(address, 0));
        var client = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(server.LocalEndPoint!);
        client.Send(new byte[10]);
        ulong cookie = Cookie(client);
        int port = ((IPEndPoint)client.LocalEndPoint!).Port;
        client.Dispose();

        Dictionary<ulong, SockDiagDestroyEvent> events = await WaitFor(listener, [cookie]);
        SocketRecord record = Assert.Single(events).Value.Record;
        Assert.Equal(Transport.Udp, record.Transport);
        Assert.Equal(address, record.LocalAddress);
        Assert.Equal(port, record.LocalPort);
        Assert.Equal(((IPEndPoint)server.LocalEndPoint!).Port, record.RemotePort);
        Assert.Null(record.TcpInfo);
        Assert.Equal(0ul, record.SendQueue);
    }

    [Fact]
    public async Task QueryWithoutUdp_DoesNotDeliverUdp()
    {
        var query = new SocketQuery { Transports = TransportSet.Tcp };
        Assert.Equal(0b101u, SockDiagDestroyListener.GroupsFor(query));
        using var listener = new SockDiagDestroyListener(query).Start();

        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        ulong udpCookie = Cookie(udp);
        udp.Dispose();
        (Socket client, Socket peer, Socket server) = Connect(IPAddress.Loopback);
        ulong tcpCookie = Cookie(client);
        client.Dispose();
        peer.Dispose();
        server.Dispose();

        // The TCP close comes after the UDP one: once it is here, the UDP one would have been too.
        var seen = new List<SocketRecord>();
        using var timeout = new CancellationTokenSource(s_wait);
        while (true)
        {
            SocketRecord record = (await listener.Reader.ReadAsync(timeout.Token)).Record;
            seen.Add(record);
            if (record.Cookie == tcpCookie)
            {
                break;
            }
        }
        Assert.DoesNotContain(seen, r => r.Cookie == udpCookie);
        Assert.All(seen, r => Assert.Equal(Transport.Tcp, r.Transport));
    }

    [Fact]
    public void NeitherTcpNorUdp_SubscribesToNothing()
    {
        using var listener = new SockDiagDestroyListener(new SocketQuery { Transports = TransportSet.Unix }).Start();
        Assert.Equal(0u, listener.Groups);
        // Nothing subscribed: the reader is complete from the start (its Completion task may finish a moment later).
        Assert.False(listener.Reader.TryRead(out _));
        Assert.True(SpinWait.SpinUntil(() => listener.Reader.Completion.IsCompleted, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ManyShortConnections_AllArrive()
    {
        const int Connections = 200;
        using var listener = new SockDiagDestroyListener(SocketQuery.All).Start();
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen(Connections);

        var clientCookies = new List<ulong>(Connections);
        var allCookies = new List<ulong>(2 * Connections);
        var longest = TimeSpan.Zero;
        byte[] buffer = new byte[16];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Connections; i++)
        {
            long start = Stopwatch.GetTimestamp();
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(server.LocalEndPoint!);
            Socket peer = server.Accept();
            client.Send(buffer);
            peer.Receive(buffer);
            clientCookies.Add(Cookie(client));
            allCookies.Add(clientCookies[^1]);
            allCookies.Add(Cookie(peer));
            client.Dispose();
            peer.Dispose();
            TimeSpan lived = Stopwatch.GetElapsedTime(start);
            longest = lived > longest ? lived : longest;
        }
        TimeSpan opening = clock.Elapsed;

        Dictionary<ulong, SockDiagDestroyEvent> events = await WaitFor(listener, allCookies);
        TimeSpan total = clock.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Connections} connections (longest lived {longest.TotalMilliseconds:F1} ms) in {opening.TotalMilliseconds:F0} ms; " +
            $"{events.Count} destroy events by {total.TotalMilliseconds:F0} ms ({events.Count / total.TotalSeconds:F0}/s); " +
            $"overruns {listener.Overruns}, dropped {listener.Dropped}, delivered {listener.Delivered}");
        Assert.Equal(0, listener.Overruns);
        Assert.DoesNotContain(clientCookies, c => !events.ContainsKey(c));
        Assert.Equal(allCookies.Count, events.Count);
    }

    [Fact]
    public async Task FullChannel_DropsAndCounts_NeverBlocks()
    {
        var diagnostics = new CollectionDiagnostics();
        using var listener = new SockDiagDestroyListener(SocketQuery.All, diagnostics, capacity: 2).Start();
        for (int i = 0; i < 10; i++)
        {
            new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).Dispose();
        }

        // Nobody reads: after the first two, every notification is dropped.
        using var timeout = new CancellationTokenSource(s_wait);
        while (listener.Dropped < 8)
        {
            await Task.Delay(20, timeout.Token);
        }
        Assert.Equal(2, listener.Delivered);
        Assert.Equal(listener.Dropped, diagnostics.Get(SockDiagDestroyCounters.Dropped));
        Assert.Single(diagnostics.Warnings, w => w.Contains("full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KernelOverrun_IsCountedAndReadingGoesOn()
    {
        var diagnostics = new CollectionDiagnostics();
        // Not started yet, and a tiny buffer: the kernel runs out of room and drops, as on a host closing
        // sockets faster than the reader keeps up.
        using var listener = new SockDiagDestroyListener(SocketQuery.All, diagnostics, receiveBufferBytes: 4096);
        for (int i = 0; i < 500; i++)
        {
            new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp).Dispose();
        }
        // The kernel broadcasts destroys from a workqueue: give it time to fill the buffer before reading starts
        // (on a loaded machine the queue lags, and a reader started at once would keep up).
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        listener.Start();

        // With a 4 KiB buffer, other tests closing sockets at the same time can overrun it again and drop any one
        // notification: reading "goes on" when one of several later closes arrives.
        bool seen = false;
        for (int attempt = 0; attempt < 20 && !seen; attempt++)
        {
            var later = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            ulong cookie = Cookie(later);
            later.Dispose();
            seen = (await WaitFor(listener, [cookie], TimeSpan.FromMilliseconds(500))).ContainsKey(cookie);
        }
        Assert.True(seen, "the listener stopped after the overrun");
        Assert.True(listener.Overruns >= 1);
        // The reader thread may count another overrun between the two reads: both counters saw them.
        Assert.True(diagnostics.Get(SockDiagDestroyCounters.Overrun) >= 1);
        Assert.Single(diagnostics.Warnings, w => w.Contains("dropped notifications", StringComparison.Ordinal));
    }

    [Fact]
    public void Dispose_StopsTheThreadPromptly()
    {
        var listener = new SockDiagDestroyListener(SocketQuery.All).Start();
        Thread thread = listener.Thread!;
        Assert.True(thread.IsAlive);
        Assert.True(thread.IsBackground);
        Assert.False(thread.IsThreadPoolThread);

        var disposer = new Thread(listener.Dispose);
        disposer.Start();
        // Bounded by the 200 ms receive timeout; 5 s leaves room for a machine loaded by the rest of the suite.
        Assert.True(disposer.Join(TimeSpan.FromSeconds(5)), "Dispose took more than 5 seconds");
        Assert.False(thread.IsAlive);
        // Dispose completes the channel; Completion then finishes once what was queued (other tests' closes,
        // host-wide) has been read.
        while (listener.Reader.TryRead(out _))
        {
        }
        Assert.True(SpinWait.SpinUntil(() => listener.Reader.Completion.IsCompleted, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ListenerOpenedInAnotherNamespace_SeesThatNamespacesCloses()
    {
        Assert.SkipWhen(TestNetns.Unavailable() is string why, TestNetns.Unavailable() ?? "");
        using TestNetns scope = TestNetns.Create("rtnl", loopbackUp: false);
        scope.IpIn("link", "set", "lo", "up");

        // The socket is bound to the namespace of the thread that opens it; the reader thread starts here.
        using SockDiagDestroyListener inside = scope.RunInside(() => new SockDiagDestroyListener(SocketQuery.All)).Start();
        using var host = new SockDiagDestroyListener(SocketQuery.All).Start();

        ulong cookie = scope.RunInside(() =>
        {
            (Socket client, Socket peer, Socket server) = Connect(IPAddress.Loopback);
            ulong c = Cookie(client);
            client.Dispose();
            peer.Dispose();
            server.Dispose();
            return c;
        });

        Dictionary<ulong, SockDiagDestroyEvent> events = await WaitFor(inside, [cookie]);
        Assert.True(events.ContainsKey(cookie), "the namespace's listener did not see its close");

        // The host's listener must not: give it the time the inside one needed, and more.
        Dictionary<ulong, SockDiagDestroyEvent> onHost = await WaitFor(host, [cookie], TimeSpan.FromMilliseconds(500));
        Assert.Empty(onHost);
    }
}
