using System.Diagnostics;
using System.Globalization;

namespace SocketAgent.Tests.Tracing;

/// <summary>
/// UDP between separate python3 processes over loopback, IPv4 and IPv6: a server process with one unconnected socket
/// per family that answers every datagram starting with <c>r</c> with half its length (and nothing else), and client
/// processes that each print <c>family local-port</c> per socket they used. Dispose kills what is left and removes
/// the scripts.
/// </summary>
internal sealed class UdpTraffic : IDisposable
{
    /// <summary>What a client of the unconnected and connected kinds sends per socket, and what it gets back.</summary>
    public const int ClientSends = 600;
    public const int ClientDatagrams = 3;
    public const int ServerSends = 300;

    /// <summary>What a send-once client sends (one datagram, no answer asked).</summary>
    public const int OnceSends = 100;

    private const string Server = """
        import socket, sys, threading
        def serve(s):
            while True:
                data, peer = s.recvfrom(65535)
                if data[:1] == b'r':
                    s.sendto(b's' * (len(data) // 2), peer)
        v4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v4.bind(('127.0.0.1', 0))
        v6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); v6.bind(('::1', 0))
        print(v4.getsockname()[1], v6.getsockname()[1], flush=True)
        for s in (v4, v6): threading.Thread(target=serve, args=(s,), daemon=True).start()
        sys.stdin.read()
        """;

    /// <summary>
    /// What an <c>mmsg</c> client sends per family: one sendmmsg of three datagrams on an unconnected socket (an
    /// address in each header), then one of <see cref="MmsgBurst"/> on a connected socket (no address).
    /// </summary>
    public static readonly int[] MmsgSizes = [100, 200, 300];
    public const int MmsgBurst = 70;
    public const int MmsgBurstSize = 10;

    // unconnected: sendto/recvfrom. connected: connect, then send/recv (sendto/recvfrom without an address),
    // write/read and sendmsg/recvmsg: each call kind once. once: one sendto per family and exit at once (no close).
    // mmsg: see MmsgSizes (two sockets per family, each printed).
    // hold: unconnected, two datagrams, then waits for a line on stdin and sends one more ('n', no answer) and exits.
    private const string Client = """
        import os, socket, struct, sys
        v4, v6, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        def sendmmsg(s, sizes, addr):
            # libc's sendmmsg through ctypes (the socket module has none): one call, one header per datagram.
            import ctypes
            class iovec(ctypes.Structure): _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
            class msghdr(ctypes.Structure): _fields_ = [('name', ctypes.c_void_p), ('namelen', ctypes.c_uint32),
                ('iov', ctypes.c_void_p), ('iovlen', ctypes.c_size_t), ('control', ctypes.c_void_p),
                ('controllen', ctypes.c_size_t), ('flags', ctypes.c_int)]
            class mmsghdr(ctypes.Structure): _fields_ = [('hdr', msghdr), ('len', ctypes.c_uint)]
            libc = ctypes.CDLL(None, use_errno=True)
            name = ctypes.create_string_buffer(addr, len(addr)) if addr else None
            bufs = [ctypes.create_string_buffer(b'n' * n, n) for n in sizes]
            iovs = (iovec * len(sizes))(*[iovec(ctypes.addressof(b), n) for b, n in zip(bufs, sizes)])
            msgs = (mmsghdr * len(sizes))()
            for i in range(len(sizes)):
                if name is not None:
                    msgs[i].hdr.name = ctypes.addressof(name); msgs[i].hdr.namelen = len(addr)
                msgs[i].hdr.iov = ctypes.addressof(iovs) + i * ctypes.sizeof(iovec); msgs[i].hdr.iovlen = 1
            sent = libc.sendmmsg(s.fileno(), msgs, len(sizes), 0)
            if sent != len(sizes):
                raise OSError(ctypes.get_errno(), 'sendmmsg sent %d of %d' % (sent, len(sizes)))
        def sockaddr(family, host, port):
            if family == socket.AF_INET:
                return struct.pack('=H', family) + struct.pack('!H', port) + socket.inet_aton(host) + bytes(8)
            return struct.pack('=H', family) + struct.pack('!H', port) + bytes(4) + socket.inet_pton(family, host) + bytes(4)
        targets = [(socket.AF_INET, '127.0.0.1', v4, 4), (socket.AF_INET6, '::1', v6, 6)]
        out = []
        socks = []
        for family, host, port, name in targets:
            s = socket.socket(family, socket.SOCK_DGRAM)
            socks.append(s)
            if mode == 'unconnected':
                for size in (100, 200, 300):
                    s.sendto(b'r' * size, (host, port))
                    s.recvfrom(65535)
            elif mode == 'connected':
                s.connect((host, port))
                s.send(b'r' * 100); s.recv(65535)
                os.write(s.fileno(), b'r' * 200); os.read(s.fileno(), 65535)
                s.sendmsg([b'r' * 300]); s.recvmsg(65535)
            elif mode == 'once':
                s.sendto(b'n' * 100, (host, port))
            elif mode == 'mmsg':
                sendmmsg(s, [%MMSG_SIZES%], sockaddr(family, host, port))
                out.append('%d %d' % (name, s.getsockname()[1]))
                s = socket.socket(family, socket.SOCK_DGRAM)
                socks.append(s)
                s.connect((host, port))
                sendmmsg(s, [%MMSG_BURST_SIZE%] * %MMSG_BURST%, None)
            elif mode == 'hold':
                for size in (100, 200):
                    s.sendto(b'r' * size, (host, port))
                    s.recvfrom(65535)
            out.append('%d %d' % (name, s.getsockname()[1]))
        print('\n'.join(out), flush=True)
        if mode == 'once':
            os._exit(0)
        if mode == 'hold':
            sys.stdin.readline()
            for (family, host, port, name), s in zip(targets, socks):
                s.sendto(b'n' * 100, (host, port))
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("socket-agent-udp-");
    private Process? _server;

    public UdpTraffic()
    {
        File.WriteAllText(ServerScript, Server);
        File.WriteAllText(ClientScript, Client
            .Replace("%MMSG_SIZES%", string.Join(", ", MmsgSizes), StringComparison.Ordinal)
            .Replace("%MMSG_BURST_SIZE%", MmsgBurstSize.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%MMSG_BURST%", MmsgBurst.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    public string ServerScript => Path.Combine(_directory.FullName, "udp-server.py");
    public string ClientScript => Path.Combine(_directory.FullName, "udp-client.py");

    public int ServerPid => _server?.Id ?? throw new InvalidOperationException("no server");
    public int Port4 { get; private set; }
    public int Port6 { get; private set; }

    /// <summary>Starts the server process (optionally under a launcher such as <c>ip netns exec NAME</c>).</summary>
    public void StartServer(params string[] launcher)
    {
        ProcessStartInfo info = PythonScript.Info(launcher, ServerScript);
        info.RedirectStandardInput = true;
        _server = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        string[] ports = (_server.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the server printed no ports: " + _server.StandardError.ReadToEnd())).Split(' ');
        Port4 = int.Parse(ports[0], CultureInfo.InvariantCulture);
        Port6 = int.Parse(ports[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Ends the server process (its sockets are released with it).</summary>
    public void StopServer()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit();
        }
    }

    /// <summary>Runs one client process of <paramref name="mode"/> to its end; returns its pid and (family, local port) per socket.</summary>
    public (int Pid, List<(int Family, int Port)> Sockets) RunClient(string mode, string tag, params string[] launcher)
    {
        using Process client = Process.Start(PythonScript.Info(launcher, ClientScript, Port4.ToString(CultureInfo.InvariantCulture),
            Port6.ToString(CultureInfo.InvariantCulture), mode, tag)) ?? throw new InvalidOperationException("python3 did not start");
        string output = client.StandardOutput.ReadToEnd();
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(60)), "the client did not finish");
        Assert.True(client.ExitCode == 0, client.StandardError.ReadToEnd());
        return (client.Id, PythonScript.ParsePorts(output));
    }

    /// <summary>Starts a <c>hold</c> client: it has exchanged its datagrams when this returns, and waits for <see cref="Release"/>.</summary>
    public (Process Process, List<(int Family, int Port)> Sockets) StartHolding(string tag)
    {
        ProcessStartInfo info = PythonScript.Info([], ClientScript, Port4.ToString(CultureInfo.InvariantCulture), Port6.ToString(CultureInfo.InvariantCulture), "hold", tag);
        info.RedirectStandardInput = true;
        Process client = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        var lines = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            lines.Add(client.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the client printed nothing: " + client.StandardError.ReadToEnd()));
        }
        return (client, PythonScript.ParsePorts(string.Join('\n', lines)));
    }

    /// <summary>Lets a <c>hold</c> client send its last datagram per socket and exit.</summary>
    public static void Release(Process client)
    {
        client.StandardInput.WriteLine("go");
        client.StandardInput.Flush();
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(60)), "the client did not finish");
        Assert.True(client.ExitCode == 0, client.StandardError.ReadToEnd());
    }

    public void Dispose()
    {
        if (_server is not null)
        {
            StopServer();
            _server.Dispose();
            _server = null;
        }
        if (_directory.Exists)
        {
            _directory.Delete(recursive: true);
            _directory.Refresh();
        }
    }
}
