using System.Diagnostics;
using System.Globalization;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// One TCP connection across the veth pair of a <see cref="TestNetns"/>: a python3 server in A with a recognisable
/// argv, a python3 client in B; the client sends <see cref="ClientBytes"/>, the server answers
/// <see cref="ServerBytes"/>, both close. Each pauses so a 200 ms agent sees the connection established.
/// </summary>
internal sealed class CrossHostExchange
{
    public const int ClientBytes = 12345;
    public const int ServerBytes = 54321;

    private CrossHostExchange(string tag, int port, int clientPort)
    {
        Tag = tag;
        Port = port;
        ClientPort = clientPort;
    }

    public string Tag { get; }
    public int Port { get; }
    public int ClientPort { get; }
    public string ServerMarker => $"e2e-billing-server-{Tag}";
    public string ClientMarker => $"e2e-report-client-{Tag}";

    public static CrossHostExchange Run(TestNetns namespaces) => Exchange(namespaces,
        $"""
        import socket,sys,time
        s=socket.socket(); s.bind((sys.argv[1],0)); s.listen(); print(s.getsockname()[1],flush=True)
        c,_=s.accept(); n=0
        while n < {ClientBytes}:
            d=c.recv(65536)
            if not d: break
            n+=len(d)
        c.sendall(b"s"*{ServerBytes}); time.sleep(0.5); c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
        """,
        $"""
        import socket,sys,time
        c=socket.create_connection((sys.argv[1],int(sys.argv[2]))); print(c.getsockname()[1],flush=True)
        time.sleep(0.6); c.sendall(b"c"*{ClientBytes}); n=0
        while True:
            d=c.recv(65536)
            if not d: break
            n+=len(d)
        time.sleep(0.5); c.close(); print(n,flush=True)
        """);

    /// <summary>
    /// The same over UDP, from a connected client socket: the client sends <see cref="ClientBytes"/> in datagrams of
    /// at most 1,000 bytes (pausing after the first, so that the flow lasts over a second), the server answers
    /// <see cref="ServerBytes"/> in datagrams of at most 1,400 to the address it read them from, then both exit
    /// (their sockets' release ends the flows).
    /// </summary>
    public static CrossHostExchange RunUdp(TestNetns namespaces) => Exchange(namespaces,
        $"""
        import socket,sys,time
        s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],0)); print(s.getsockname()[1],flush=True)
        n=0
        while n < {ClientBytes}:
            d,peer=s.recvfrom(65536); n+=len(d)
        left={ServerBytes}
        while left > 0:
            k=min(left,1400); s.sendto(b"s"*k,peer); left-=k; time.sleep(0.001)
        time.sleep(0.5); s.close()
        """,
        $"""
        import socket,sys,time
        c=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); c.settimeout(10); c.connect((sys.argv[1],int(sys.argv[2])))
        left={ClientBytes}
        first=True
        while left > 0:
            k=min(left,1000); c.send(b"c"*k); left-=k; time.sleep(0.001)
            if first: first=False; time.sleep(0.6)
        print(c.getsockname()[1],flush=True)
        n=0
        while n < {ServerBytes}:
            n+=len(c.recv(65536))
        time.sleep(0.5); c.close(); print(n,flush=True)
        """);

    /// <summary>
    /// Runs <paramref name="serverScript"/> in A (it prints its port) and <paramref name="clientScript"/> in B (it
    /// prints its local port, then the bytes it got back), each with a recognisable argv, and checks both finished.
    /// </summary>
    private static CrossHostExchange Exchange(TestNetns namespaces, string serverScript, string clientScript)
    {
        string tag = Guid.NewGuid().ToString("N")[..8];
        using Process server = Start(namespaces.NameA, serverScript, namespaces.AddressA, $"e2e-billing-server-{tag}", "--port=auto");
        int port = int.Parse(server.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        using Process client = Start(namespaces.NameB, clientScript,
            namespaces.AddressA, port.ToString(CultureInfo.InvariantCulture), $"e2e-report-client-{tag}", "--fetch=invoices");
        int clientPort = int.Parse(client.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        Assert.Equal(ServerBytes.ToString(CultureInfo.InvariantCulture), client.StandardOutput.ReadLine());
        Assert.True(client.WaitForExit(10_000) && server.WaitForExit(10_000), "the python client or server did not finish");
        Assert.Equal(0, client.ExitCode);
        Assert.Equal(0, server.ExitCode);
        return new CrossHostExchange(tag, port, clientPort);
    }

    private static Process Start(string ns, string script, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "netns", "exec", ns, "/usr/bin/python3", "-c", script }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }
}
