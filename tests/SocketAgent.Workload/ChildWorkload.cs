using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Workload;

/// <summary>One child's sockets: opened together, held until disposal.</summary>
internal sealed class ChildWorkload : IDisposable
{
    // Every socket is kept reachable here; a dropped Socket would be finalized and closed by the GC.
    private readonly List<IDisposable> _sockets = [];
    private readonly WorkloadOptions _options;
    private readonly bool _ipv6;
    private string? _unixPath;

    public ChildWorkload(WorkloadOptions options)
    {
        _options = options;
        _ipv6 = Socket.OSSupportsIPv6 && CanBindIPv6Loopback();
    }

    /// <summary>Sockets opened so far.</summary>
    public int Count => _sockets.Count;

    public void Open()
    {
        OpenTcp(_options.TcpConnections);
        OpenUdp(_options.Udp);
        OpenUnix(_options.Unix);
    }

    /// <summary>One listener per family; connections accepted one by one so the backlog never matters.</summary>
    private void OpenTcp(int connections)
    {
        Socket listener4 = Listen(new IPEndPoint(IPAddress.Loopback, 0));
        Socket? listener6 = _ipv6 && connections >= 10 ? Listen(new IPEndPoint(IPAddress.IPv6Loopback, 0)) : null;

        for (int i = 0; i < connections; i++)
        {
            // Every tenth connection over ::1, so both families show up in the dumps.
            Socket listener = listener6 is not null && i % 10 == 9 ? listener6 : listener4;
            var client = new Socket(listener.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            Keep(client);
            NoTimeWait(client);
            client.Connect(listener.LocalEndPoint!);
            Socket server = listener.Accept();
            Keep(server);
            NoTimeWait(server);
        }
    }

    /// <summary>Bound UDP sockets; every second one connected to the one before, alternating families.</summary>
    private void OpenUdp(int count)
    {
        EndPoint? previous4 = null, previous6 = null;
        for (int i = 0; i < count; i++)
        {
            bool v6 = _ipv6 && i % 4 >= 2;
            var socket = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            Keep(socket);
            socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            ref EndPoint? previous = ref v6 ? ref previous6 : ref previous4;
            if (previous is not null)
            {
                socket.Connect(previous);
                previous = null;
            }
            else
            {
                previous = socket.LocalEndPoint;
            }
        }
    }

    /// <summary>A third each of path-bound stream connections, abstract stream connections and unnamed datagram pairs.</summary>
    private void OpenUnix(int pairs)
    {
        if (pairs == 0)
        {
            return;
        }

        _unixPath = Path.Combine(_options.UnixDirectory!, $"child-{_options.Child:D2}.sock");
        File.Delete(_unixPath);
        Socket pathListener = Listen(new UnixDomainSocketEndPoint(_unixPath));
        // A leading NUL makes the name abstract: no file, shown by ss as "@name".
        Socket abstractListener = Listen(new UnixDomainSocketEndPoint($"\0{_options.Tag}-{Environment.ProcessId}-child-{_options.Child:D2}"));

        for (int i = 0; i < pairs; i++)
        {
            switch (i % 3)
            {
                case 0: ConnectUnix(pathListener); break;
                case 1: ConnectUnix(abstractListener); break;
                default:
                    (var first, var second) = Interop.SocketPair(Interop.SOCK_DGRAM);
                    Keep(first);
                    Keep(second);
                    break;
            }
        }
    }

    private void ConnectUnix(Socket listener)
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Keep(client);
        client.Connect(listener.LocalEndPoint!);
        Keep(listener.Accept());
    }

    private Socket Listen(EndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream,
            endPoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        Keep(socket);
        socket.Bind(endPoint);
        socket.Listen(128);
        return socket;
    }

    // Linger 0 makes close (and the kernel's close when the process is killed) send RST instead of FIN, so a
    // stopped workload leaves no 10,000 TIME_WAIT sockets behind to distort the next run for 60 seconds.
    private static void NoTimeWait(Socket socket) => socket.LingerState = new LingerOption(enable: true, seconds: 0);

    private void Keep(IDisposable socket) => _sockets.Add(socket);

    private static bool CanBindIPv6Loopback()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (IDisposable socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
        if (_unixPath is not null)
        {
            File.Delete(_unixPath);
        }
    }
}
