using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Procfs;

/// <summary>
/// A known set of sockets opened in this process: TCP pairs on 127.0.0.1 and ::1, a v4 client of a dual-stack
/// listener, UDP bound + connected, raw ICMP (root only), UNIX stream/abstract/dgram. Disposes everything.
/// </summary>
internal sealed class LiveSockets : IDisposable
{
    public const int TcpPayload = 7;
    public const int Tcp6Payload = 11;

    private readonly List<Socket> _all = [];
    private readonly string _directory;

    public LiveSockets()
    {
        _directory = Directory.CreateTempSubdirectory("sa procfs live ").FullName;

        Tcp4Listener = Listen(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), new IPEndPoint(IPAddress.Loopback, 0));
        (Tcp4Client, Tcp4Accepted) = Connect(Tcp4Listener, AddressFamily.InterNetwork, Tcp4Listener.LocalEndPoint!);
        Tcp4Client.Send(new byte[TcpPayload]);

        Tcp6Listener = Listen(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp), new IPEndPoint(IPAddress.IPv6Loopback, 0));
        (Tcp6Client, Tcp6Accepted) = Connect(Tcp6Listener, AddressFamily.InterNetworkV6, Tcp6Listener.LocalEndPoint!);
        Tcp6Accepted.Send(new byte[Tcp6Payload]);

        DualListener = Listen(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }, new IPEndPoint(IPAddress.IPv6Any, 0));
        (DualV4Client, DualAccepted) = Connect(DualListener, AddressFamily.InterNetwork, new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)DualListener.LocalEndPoint!).Port));

        UdpBound = Track(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        UdpBound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        UdpConnected = Track(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        UdpConnected.Connect(UdpBound.LocalEndPoint!);
        UdpConnected.Send(new byte[8]);

        try
        {
            RawIcmp = Track(new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
        }
        catch (SocketException)
        {
            RawIcmp = null; // not root / no CAP_NET_RAW
        }

        UnixPath = Path.Combine(_directory, "listen sock");
        UnixListener = Listen(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(UnixPath));
        (UnixClient, UnixAccepted) = Connect(UnixListener, AddressFamily.Unix, new UnixDomainSocketEndPoint(UnixPath));

        AbstractName = "socket-agent-procfs-" + Guid.NewGuid().ToString("N");
        UnixAbstract = Listen(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint("\0" + AbstractName));

        UnixDgramPath = Path.Combine(_directory, "dgram");
        UnixDgram = Track(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified));
        UnixDgram.Bind(new UnixDomainSocketEndPoint(UnixDgramPath));
    }

    public Socket Tcp4Listener { get; }
    public Socket Tcp4Client { get; }
    public Socket Tcp4Accepted { get; }
    public Socket Tcp6Listener { get; }
    public Socket Tcp6Client { get; }
    public Socket Tcp6Accepted { get; }
    public Socket DualListener { get; }
    public Socket DualV4Client { get; }
    public Socket DualAccepted { get; }
    public Socket UdpBound { get; }
    public Socket UdpConnected { get; }
    public Socket? RawIcmp { get; }
    public string UnixPath { get; }
    public Socket UnixListener { get; }
    public Socket UnixClient { get; }
    public Socket UnixAccepted { get; }
    public string AbstractName { get; }
    public Socket UnixAbstract { get; }
    public string UnixDgramPath { get; }
    public Socket UnixDgram { get; }

    public HashSet<ulong> Inodes => _all.Select(InodeOf).ToHashSet();

    /// <summary>The inode the kernel shows for <paramref name="socket"/>: /proc/self/fd/N → "socket:[N]".</summary>
    public static ulong InodeOf(Socket socket)
    {
        string link = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!;
        Assert.StartsWith("socket:[", link);
        return ulong.Parse(link.AsSpan(8, link.Length - 9), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    /// <summary>Waits (bounded) until the unread bytes have reached the peers, so queue sizes are stable.</summary>
    public void WaitUntilQueued()
    {
        for (int i = 0; i < 200 && (Tcp4Accepted.Available < TcpPayload || Tcp6Client.Available < Tcp6Payload || UdpBound.Available == 0); i++)
        {
            Thread.Sleep(10);
        }
    }

    public List<SocketRecord> Collect(SocketQuery query)
    {
        var diagnostics = new CollectionDiagnostics();
        List<SocketRecord> records = new ProcfsSocketSource().Collect(query, diagnostics).ToList();
        Assert.Equal(0, diagnostics.Get(ProcfsCounters.LinesMalformed));
        return records;
    }

    public void Dispose()
    {
        foreach (Socket socket in _all)
        {
            socket.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }

    private Socket Track(Socket socket)
    {
        _all.Add(socket);
        return socket;
    }

    private Socket Listen(Socket socket, EndPoint endPoint)
    {
        Track(socket);
        socket.Bind(endPoint);
        socket.Listen(16);
        return socket;
    }

    private (Socket Client, Socket Accepted) Connect(Socket listener, AddressFamily family, EndPoint target)
    {
        Socket client = Track(new Socket(family, SocketType.Stream, family == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp));
        client.Connect(target);
        return (client, Track(listener.Accept()));
    }
}
