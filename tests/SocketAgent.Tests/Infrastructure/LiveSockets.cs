using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Known sockets on this machine's kernel, held open for the life of the fixture: TCP v4 and v6 listeners with
/// a connection each (with unread bytes queued), UDP bound and connected, UNIX path and abstract listeners with
/// a connection, and a python3 child with distinctive arguments whose TCP listener is shared with a forked
/// grandchild. Everything is closed, killed and deleted on Dispose.
/// </summary>
public sealed class LiveSockets : IDisposable
{
    public const int UnreadTcpBytes = 1000;

    public const string ChildScript =
        "import os, socket, sys\n" +
        "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n" +
        "s.bind(('127.0.0.1', 0)); s.listen(5)\n" +
        "pid = os.fork()\n" +
        "if pid == 0:\n" +
        "    sys.stdin.read(); os._exit(0)\n" +
        "print(s.getsockname()[1], pid, flush=True)\n" +
        "sys.stdin.read()\n" +
        "os.waitpid(pid, 0)\n";

    /// <summary>Arguments with spaces, a quote and non-ASCII text: what netstat cannot show and we must.</summary>
    public static readonly string[] ChildExtraArgs = ["--name=socket agent test", "it's", "ünïcödé", "--password=hunter2", ""];

    /// <summary>What the agent must report for <see cref="ChildExtraArgs"/>: the password masked.</summary>
    public static readonly string[] ChildExtraArgsRedacted = ["--name=socket agent test", "it's", "ünïcödé", "--password=[REDACTED]", ""];

    private readonly List<IDisposable> _disposables = [];
    private readonly Process _child;

    public LiveSockets()
    {
        TempDirectory = Directory.CreateTempSubdirectory("socket-agent-live-");
        try
        {
            (TcpV4Listener, TcpV4Client, TcpV4Server) = OpenTcpPair(IPAddress.Loopback);
            (TcpV6Listener, TcpV6Client, TcpV6Server) = OpenTcpPair(IPAddress.IPv6Loopback);
            TcpV4Client.Send(new byte[UnreadTcpBytes]);

            UdpBound = Track(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            UdpBound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            UdpConnected = Track(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            UdpConnected.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            UdpConnected.Connect(UdpBound.LocalEndPoint!);
            UdpConnected.Send(new byte[100]); // unread: UdpBound's Recv-Q > 0

            try
            {
                RawIcmpV6 = Track(new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6));
            }
            catch (SocketException)
            {
                RawIcmpV6 = null; // needs CAP_NET_RAW; CI runs as root
            }

            UnixPath = Path.Combine(TempDirectory.FullName, "agent test.sock");
            UnixListener = Track(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            UnixListener.Bind(new UnixDomainSocketEndPoint(UnixPath));
            UnixListener.Listen(8);
            UnixClient = Track(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            UnixClient.Connect(new UnixDomainSocketEndPoint(UnixPath));
            UnixServer = Track(UnixListener.Accept());

            AbstractName = "socket-agent-test-" + Guid.NewGuid().ToString("N");
            AbstractListener = Track(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            AbstractListener.Bind(new UnixDomainSocketEndPoint("\0" + AbstractName));
            AbstractListener.Listen(8);

            _child = StartChild(out int port, out int grandchild);
            ChildListenerPort = port;
            GrandchildPid = grandchild;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public DirectoryInfo TempDirectory { get; }
    public Socket TcpV4Listener { get; }
    public Socket TcpV4Client { get; }
    public Socket TcpV4Server { get; }
    public Socket TcpV6Listener { get; }
    public Socket TcpV6Client { get; }
    public Socket TcpV6Server { get; }
    public Socket UdpBound { get; } = null!;
    public Socket UdpConnected { get; } = null!;
    public Socket? RawIcmpV6 { get; }
    public string UnixPath { get; } = null!;
    public Socket UnixListener { get; } = null!;
    public Socket UnixClient { get; } = null!;
    public Socket UnixServer { get; } = null!;
    public string AbstractName { get; } = null!;
    public Socket AbstractListener { get; } = null!;
    public int ChildPid => _child.Id;
    public int GrandchildPid { get; }
    public int ChildListenerPort { get; }

    /// <summary>The inodes of every socket this fixture holds in the test process (not the python children's).</summary>
    public IReadOnlySet<long> OwnInodes => _disposables.OfType<Socket>().Select(Inode).ToHashSet();

    /// <summary>The socket's inode, from its /proc/self/fd link (<c>socket:[N]</c>): identifies it among look-alikes.</summary>
    public static long Inode(Socket socket)
    {
        string target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget
            ?? throw new InvalidOperationException("socket fd is not a link");
        return long.Parse(target["socket:[".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int Port(Socket socket, bool remote = false) =>
        ((IPEndPoint)(remote ? socket.RemoteEndPoint! : socket.LocalEndPoint!)).Port;

    private (Socket Listener, Socket Client, Socket Server) OpenTcpPair(IPAddress address)
    {
        Socket listener = Track(new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(16);
        Socket client = Track(new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        client.Connect(listener.LocalEndPoint!);
        Socket server = Track(listener.Accept());
        return (listener, client, server);
    }

    private Socket Track(Socket socket)
    {
        _disposables.Add(socket);
        return socket;
    }

    private static Process StartChild(out int port, out int grandchild)
    {
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ChildScript);
        foreach (string arg in ChildExtraArgs)
        {
            info.ArgumentList.Add(arg);
        }
        Process child = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        string? line = child.StandardOutput.ReadLine();
        string[] parts = (line ?? throw new InvalidOperationException("python3 child printed nothing")).Split(' ');
        port = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        grandchild = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        return child;
    }

    public void Dispose()
    {
        if (_child is not null)
        {
            try
            {
                _child.StandardInput.Close(); // both python processes exit on EOF
                if (!_child.WaitForExit(5000))
                {
                    _child.Kill(entireProcessTree: true);
                    _child.WaitForExit();
                }
            }
            catch (InvalidOperationException) { }
            _child.Dispose();
        }
        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }
        try
        {
            TempDirectory?.Delete(recursive: true);
        }
        catch (IOException) { }
    }
}
