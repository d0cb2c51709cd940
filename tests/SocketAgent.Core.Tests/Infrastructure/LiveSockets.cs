using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// One socket of every kind the agent reports, opened in this process on the live kernel and held until Dispose, for
/// the tests that compare what we read with what the kernel, ss or netstat say. Shared by both test projects (linked
/// into SocketAgent.Tests), so every live comparison sees the same kinds:
/// <list type="bullet">
/// <item>TCP: a listener on 127.0.0.1 with a connection whose server end holds <see cref="UnreadTcpBytes"/> unread; a
/// listener on ::1 with a connection whose client end holds <see cref="UnreadTcpV6Bytes"/> unread; a dual-stack
/// listener on :: with an IPv4 client (the kernel lists its server end as ::ffff:127.0.0.1 in tcp6).</item>
/// <item>UDP: bound on 127.0.0.1 with an unread datagram, a socket connected to it; bound on :: and one connected to it over ::1.</item>
/// <item>Raw ICMP and ICMPv6 when the process may open them (CAP_NET_RAW), otherwise null.</item>
/// <item>UNIX: a stream listener on a path with a space, with a connection; an abstract stream listener; a datagram
/// socket bound to a path and one bound to an abstract name.</item>
/// <item>Optionally (<see cref="Open(bool)"/>) a python3 child with distinctive arguments whose TCP listener and
/// abstract UNIX socket are shared with a forked grandchild (<see cref="ForkingPython"/>).</item>
/// </list>
/// Names are unique per instance (other tests run in parallel on this machine). Dispose stops the python processes,
/// closes every socket and deletes the temporary directory holding the UNIX paths.
/// </summary>
public sealed class LiveSockets : IDisposable
{
    /// <summary>Bytes sent by <see cref="TcpV4Client"/> and never read: <see cref="TcpV4Server"/>'s Recv-Q.</summary>
    public const int UnreadTcpBytes = 1000;

    /// <summary>Bytes sent by <see cref="TcpV6Server"/> and never read: <see cref="TcpV6Client"/>'s Recv-Q.</summary>
    public const int UnreadTcpV6Bytes = 11;

    /// <summary>Arguments with spaces, a quote and non-ASCII text: what netstat cannot show and we must.</summary>
    public static readonly string[] ChildExtraArgs = ["--name=socket agent test", "it's", "ünïcödé", "--password=hunter2", ""];

    /// <summary>What the agent must report for <see cref="ChildExtraArgs"/>: the password masked.</summary>
    public static readonly string[] ChildExtraArgsRedacted = ["--name=socket agent test", "it's", "ünïcödé", "--password=[REDACTED]", ""];

    private const int UnreadUdpBytes = 100;

    private readonly List<Socket> _sockets = [];
    private readonly DirectoryInfo _directory;
    private readonly ForkingPython? _child;

    /// <summary>Everything, the python child included: the constructor xunit uses for a class fixture.</summary>
    public LiveSockets()
        : this(spawnChild: true)
    {
    }

    private LiveSockets(bool spawnChild)
    {
        _directory = Directory.CreateTempSubdirectory("socket-agent-live-");
        try
        {
            (TcpV4Listener, TcpV4Client, TcpV4Server) = OpenTcp(new IPEndPoint(IPAddress.Loopback, 0), AddressFamily.InterNetwork);
            TcpV4Client.Send(new byte[UnreadTcpBytes]);
            (TcpV6Listener, TcpV6Client, TcpV6Server) = OpenTcp(new IPEndPoint(IPAddress.IPv6Loopback, 0), AddressFamily.InterNetworkV6);
            TcpV6Server.Send(new byte[UnreadTcpV6Bytes]);
            (DualStackListener, DualStackV4Client, DualStackServer) = OpenTcp(new IPEndPoint(IPAddress.IPv6Any, 0), AddressFamily.InterNetwork);

            (UdpBound, UdpConnected) = OpenUdp(new IPEndPoint(IPAddress.Loopback, 0), IPAddress.Loopback);
            UdpConnected.Send(new byte[UnreadUdpBytes]);
            (UdpV6Bound, UdpV6Connected) = OpenUdp(new IPEndPoint(IPAddress.IPv6Any, 0), IPAddress.IPv6Loopback);

            RawIcmp = TryOpenRaw(AddressFamily.InterNetwork, ProtocolType.Icmp);
            RawIcmpV6 = TryOpenRaw(AddressFamily.InterNetworkV6, ProtocolType.IcmpV6);

            string unique = Guid.NewGuid().ToString("N");
            UnixPath = Path.Combine(_directory.FullName, "listen sock");
            UnixListener = Listen(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(UnixPath));
            UnixClient = Track(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            UnixClient.Connect(new UnixDomainSocketEndPoint(UnixPath));
            UnixServer = Track(UnixListener.Accept());

            AbstractName = "socket-agent-live-" + unique;
            AbstractListener = Listen(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint("\0" + AbstractName));

            UnixDgramPath = Path.Combine(_directory.FullName, "dgram");
            UnixDgram = Bind(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(UnixDgramPath));
            AbstractDgramName = "socket-agent-live-dgram-" + unique;
            AbstractDgram = Bind(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified), new UnixDomainSocketEndPoint("\0" + AbstractDgramName));

            Inodes = _sockets.Select(InodeOf).ToHashSet();
            WaitUntilQueued();

            if (spawnChild)
            {
                _child = ForkingPython.Start(ChildExtraArgs);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Socket TcpV4Listener { get; }
    public Socket TcpV4Client { get; }
    public Socket TcpV4Server { get; }
    public Socket TcpV6Listener { get; }
    public Socket TcpV6Client { get; }
    public Socket TcpV6Server { get; }
    public Socket DualStackListener { get; }
    public Socket DualStackV4Client { get; }
    public Socket DualStackServer { get; }
    public Socket UdpBound { get; }
    public Socket UdpConnected { get; }
    public Socket UdpV6Bound { get; }
    public Socket UdpV6Connected { get; }
    public Socket? RawIcmp { get; }
    public Socket? RawIcmpV6 { get; }
    public string UnixPath { get; }
    public Socket UnixListener { get; }
    public Socket UnixClient { get; }
    public Socket UnixServer { get; }
    public string AbstractName { get; }
    public Socket AbstractListener { get; }
    public string UnixDgramPath { get; }
    public Socket UnixDgram { get; }
    public string AbstractDgramName { get; }
    public Socket AbstractDgram { get; }

    /// <summary>The inodes of every socket above (this process's only, not the python children's).</summary>
    public IReadOnlySet<ulong> Inodes { get; } = null!;

    /// <summary>The python3 process the test process started; holds the listener on <see cref="ChildListenerPort"/>.</summary>
    public int ChildPid => Child.ParentPid;

    /// <summary>The process the python child forked; holds the same sockets.</summary>
    public int GrandchildPid => Child.ChildPid;

    public int ChildListenerPort => Child.Port;

    private ForkingPython Child => _child ?? throw new InvalidOperationException("opened without the python child");

    /// <summary>Opens the sockets, with the python child only when <paramref name="spawnChild"/> (it costs a process start).</summary>
    public static LiveSockets Open(bool spawnChild) => new(spawnChild);

    /// <summary>The inode the kernel shows for <paramref name="socket"/>: /proc/self/fd/N links to "socket:[N]".</summary>
    public static ulong InodeOf(Socket socket)
    {
        string link = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget
            ?? throw new InvalidOperationException("the socket's fd is not a link");
        if (!link.StartsWith("socket:[", StringComparison.Ordinal) || !link.EndsWith(']'))
        {
            throw new InvalidOperationException($"not a socket: {link}");
        }
        return ulong.Parse(link.AsSpan(8, link.Length - 9), CultureInfo.InvariantCulture);
    }

    public static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    public void Dispose()
    {
        _child?.Dispose();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Already gone: nothing of ours is left to clean.
        }
    }

    /// <summary>
    /// Waits (bounded) until the unread bytes have reached their peers, so queue sizes do not change while a test
    /// compares two reads of them.
    /// </summary>
    private void WaitUntilQueued()
    {
        for (int i = 0; i < 200 && (TcpV4Server.Available < UnreadTcpBytes || TcpV6Client.Available < UnreadTcpV6Bytes || UdpBound.Available == 0); i++)
        {
            Thread.Sleep(10);
        }
    }

    /// <summary>A listener on <paramref name="endPoint"/> (dual-stack when it is ::), a client of <paramref name="clientFamily"/> and the accepted end.</summary>
    private (Socket Listener, Socket Client, Socket Server) OpenTcp(IPEndPoint endPoint, AddressFamily clientFamily)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            listener.DualMode = true;
        }
        Listen(listener, endPoint);
        int port = PortOf(listener);
        Socket client = Track(new Socket(clientFamily, SocketType.Stream, ProtocolType.Tcp));
        client.Connect(clientFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Loopback, port) : new IPEndPoint(IPAddress.IPv6Loopback, port));
        return (listener, client, Track(listener.Accept()));
    }

    /// <summary>A socket bound to <paramref name="endPoint"/> and one bound to <paramref name="peer"/> and connected to it.</summary>
    private (Socket Bound, Socket Connected) OpenUdp(IPEndPoint endPoint, IPAddress peer)
    {
        Socket bound = Bind(new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp), endPoint);
        Socket connected = Bind(new Socket(peer.AddressFamily, SocketType.Dgram, ProtocolType.Udp), new IPEndPoint(peer, 0));
        connected.Connect(new IPEndPoint(peer, PortOf(bound)));
        return (bound, connected);
    }

    private Socket? TryOpenRaw(AddressFamily family, ProtocolType protocol)
    {
        try
        {
            return Track(new Socket(family, SocketType.Raw, protocol));
        }
        catch (SocketException)
        {
            return null; // needs CAP_NET_RAW; CI runs as root
        }
    }

    private Socket Listen(Socket socket, EndPoint endPoint)
    {
        Bind(socket, endPoint);
        socket.Listen(16);
        return socket;
    }

    private Socket Bind(Socket socket, EndPoint endPoint)
    {
        Track(socket);
        socket.Bind(endPoint);
        return socket;
    }

    private Socket Track(Socket socket)
    {
        _sockets.Add(socket);
        return socket;
    }
}
