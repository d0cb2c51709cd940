using System.Diagnostics;

namespace SocketAgent.Tests.Tracing;

/// <summary>
/// Short TCP connections between separate python3 processes over loopback, IPv4 and IPv6: a server process that
/// listens on both families, and client processes that each make connections sending 100 bytes and receiving 50,
/// printing <c>family local-port</c> per connection. Dispose kills the server and removes the scripts.
/// </summary>
internal sealed class LoopbackTraffic : IDisposable
{
    public const int ClientSends = 100;
    public const int ServerSends = 50;

    private const string Server = """
        import socket, sys, threading
        def serve(listener):
            while True:
                conn, _ = listener.accept()
                data = b''
                while len(data) < 100:
                    chunk = conn.recv(100 - len(data))
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(b's' * 50)
                while conn.recv(64):
                    pass
                conn.close()
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(('127.0.0.1', 0)); v4.listen(1024)
        v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        v6.bind(('::1', 0)); v6.listen(1024)
        print(v4.getsockname()[1], v6.getsockname()[1], flush=True)
        threads = [threading.Thread(target=serve, args=(l,), daemon=True) for l in (v4, v6)]
        for t in threads: t.start()
        sys.stdin.read()
        """;

    private const string Client = """
        import socket, sys
        v4, v6, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
        out = []
        for i in range(count):
            family, host, port = (socket.AF_INET, '127.0.0.1', v4) if i % 2 == 0 else (socket.AF_INET6, '::1', v6)
            c = socket.socket(family, socket.SOCK_STREAM)
            c.connect((host, port))
            out.append('%d %d' % (4 if family == socket.AF_INET else 6, c.getsockname()[1]))
            c.sendall(b'c' * 100)
            data = b''
            while len(data) < 50:
                chunk = c.recv(50 - len(data))
                if not chunk:
                    break
                data += chunk
            c.close()
        print('\n'.join(out), flush=True)
        """;

    private const string Refused = """
        import socket, sys
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            c.connect(('127.0.0.1', int(sys.argv[1])))
        except ConnectionRefusedError:
            print('refused', flush=True)
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("socket-agent-tracing-");
    private Process? _server;

    public LoopbackTraffic()
    {
        File.WriteAllText(ServerScript, Server);
        File.WriteAllText(ClientScript, Client);
        File.WriteAllText(RefusedScript, Refused);
    }

    public string ServerScript => Path.Combine(_directory.FullName, "server.py");
    public string ClientScript => Path.Combine(_directory.FullName, "client.py");
    public string RefusedScript => Path.Combine(_directory.FullName, "refused.py");

    public int ServerPid => _server?.Id ?? throw new InvalidOperationException("no server");
    public int Port4 { get; private set; }
    public int Port6 { get; private set; }

    /// <summary>Starts the server process (optionally under a launcher such as <c>ip netns exec NAME</c>).</summary>
    public void StartServer(params string[] launcher)
    {
        ProcessStartInfo info = PythonScript.Info(launcher, ServerScript);
        info.RedirectStandardInput = true;
        _server = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        string[] ports = (_server.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the server printed no ports")).Split(' ');
        Port4 = int.Parse(ports[0], System.Globalization.CultureInfo.InvariantCulture);
        Port6 = int.Parse(ports[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs one client process making <paramref name="count"/> connections; returns its pid and (family, port) per connection.</summary>
    public (int Pid, List<(int Family, int Port)> Connections) RunClient(int count, string tag, params string[] launcher)
    {
        ProcessStartInfo info = PythonScript.Info(launcher, ClientScript, Port4.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Port6.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture), tag);
        using Process client = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        string output = client.StandardOutput.ReadToEnd();
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(120)), "the client did not finish");
        Assert.True(client.ExitCode == 0, client.StandardError.ReadToEnd());
        List<(int Family, int Port)> connections = PythonScript.ParsePorts(output);
        Assert.Equal(count, connections.Count);
        return (client.Id, connections);
    }

    /// <summary>Runs a process whose connect to <paramref name="port"/> (nobody listens) is refused; returns its pid.</summary>
    public int RunRefused(int port)
    {
        using Process process = Process.Start(PythonScript.Info([], RefusedScript, port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            ?? throw new InvalidOperationException("python3 did not start");
        Assert.Equal("refused", process.StandardOutput.ReadToEnd().Trim());
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        return process.Id;
    }

    public void Dispose()
    {
        if (_server is not null)
        {
            if (!_server.HasExited)
            {
                _server.Kill(entireProcessTree: true);
                _server.WaitForExit();
            }
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
