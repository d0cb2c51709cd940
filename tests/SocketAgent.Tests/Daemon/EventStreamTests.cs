using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Encoders.Json;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The daemon on real sockets: a connection's whole life as events (opened, state changes through a half-close,
/// closed, with owners), 200 connections that each live less than 20 ms all reported closed, SIGTERM → exit 0,
/// and a contiguous <c>event.sequence</c> over everything it printed.
/// </summary>
public sealed class EventStreamTests : IDisposable
{
    private readonly DirectoryInfo _stateDir = Directory.CreateTempSubdirectory("socket-agent-events-");

    public void Dispose() => _stateDir.Delete(recursive: true);

    private DaemonProcess StartDaemon() => DaemonProcess.Start(
        ["--interval", "200ms", "--heartbeat", "1s", "--state-dir", _stateDir.FullName, "-t"]);

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [Fact]
    public void A_connection_is_reported_opened_changed_and_closed_with_its_owner_and_short_ones_are_not_missed()
    {
        using DaemonProcess daemon = StartDaemon();
        {
            // The first cycle is the full state; the first heartbeat comes after it.
            daemon.WaitForLine(static l => l.Contains("\"heartbeat\""), TimeSpan.FromSeconds(30));

            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(256);
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            Socket server = listener.Accept();
            int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            Thread.Sleep(600);

            client.Shutdown(SocketShutdown.Send);      // client FIN_WAIT2, server CLOSE_WAIT
            Thread.Sleep(600);
            server.Close();                              // server LAST_ACK → gone; client → TIME_WAIT
            client.Close();
            Thread.Sleep(600);

            // 200 connections that each live a few ms: far less than one 200 ms interval.
            var shortPorts = new HashSet<int>();
            for (int i = 0; i < 200; i++)
            {
                using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                c.Connect(listener.LocalEndPoint!);
                using Socket s = listener.Accept();
                shortPorts.Add(((IPEndPoint)c.LocalEndPoint!).Port);
            }
            Thread.Sleep(1500);
            listener.Close();
            Thread.Sleep(600);

            Assert.Equal(0, daemon.Terminate(TimeSpan.FromSeconds(10)));
            Assert.True(daemon.EndedWithNewline);

            JsonElement[] all = daemon.AllLines.Select(Parse).ToArray();
            foreach (string line in daemon.AllLines)
            {
                SchemaValidator.AssertValid(line);
            }

            // Sequence: 1, 2, 3… with no gap or repeat, over every line.
            long[] sequence = all.Select(static e => Num(e, "event.sequence")!.Value).ToArray();
            Assert.Equal(Enumerable.Range(1, sequence.Length).Select(static i => (long)i), sequence);
            Assert.Equal(all.Length, all.Select(static e => Str(e, "event.id")).Distinct().Count());

            int self = Environment.ProcessId;
            // The listener: opened, then closed, and nothing else.
            JsonElement[] listenerEvents = all.Where(e => Str(e, "event.dataset") == "socket" && LocalPort(e) == port
                    && RemotePort(e) is null).ToArray();
            Assert.Equal(["opened", "closed"], listenerEvents.Select(static e => Str(e, "event.action")));
            // A listener is its own server end, no source/destination and no direction.
            Assert.Equal(port, Num(listenerEvents[0], "server.port"));
            Assert.Null(Get(listenerEvents[0], "source"));
            Assert.Null(Str(listenerEvents[0], "network.direction"));

            // The client end: opened ESTABLISHED, FIN_WAIT2 after its half-close, then closed.
            // By both ports: with -t the daemon sees every TCP socket of the host, and another test's connection may hold
            // the same ephemeral port towards another listener (CI saw one, whose destination.port was not ours).
            JsonElement[] clientEvents = all.Where(e => Str(e, "event.dataset") == "socket" && LocalPort(e) == clientPort
                && RemotePort(e) == port).ToArray();
            Assert.Equal("opened", Str(clientEvents[0], "event.action"));
            Assert.Equal("ESTABLISHED", Str(clientEvents[0], "socket.state"));
            Assert.Equal(self, Num(clientEvents[0], "process.pid"));
            Assert.Equal("internal", Str(clientEvents[0], "network.direction")); // loopback: both ends on this host
            // The client end initiated: it is the source, the listener's port the destination.
            Assert.Equal("source", Str(clientEvents[0], "socket.local_end"));
            Assert.Equal("127.0.0.1", Str(clientEvents[0], "source.ip"));
            Assert.Equal(clientPort, Num(clientEvents[0], "source.port"));
            Assert.Equal(port, Num(clientEvents[0], "destination.port"));
            // ESTABLISHED → (FIN_WAIT1, when a cycle catches it) → FIN_WAIT2.
            Assert.Contains(clientEvents, static e => Str(e, "event.action") == "state_changed" && Str(e, "socket.state") == "FIN_WAIT2"
                && Str(e, "socket.previous_state") is "ESTABLISHED" or "FIN_WAIT1");
            JsonElement clientClosed = Assert.Single(clientEvents, static e => Str(e, "event.action") == "closed");
            Assert.Equal(self, Num(clientClosed, "process.pid"));
            Assert.True(Num(clientClosed, "event.duration") > 0);

            // The server end: opened, CLOSE_WAIT, closed — closed once.
            JsonElement[] serverEvents = all.Where(e => Str(e, "event.dataset") == "socket" && LocalPort(e) == port
                && RemotePort(e) == clientPort).ToArray();
            Assert.Equal("opened", Str(serverEvents[0], "event.action"));
            // Accepted from the listener: the server end is the destination, the client the source.
            Assert.Equal("destination", Str(serverEvents[0], "socket.local_end"));
            Assert.Equal(clientPort, Num(serverEvents[0], "source.port"));
            Assert.Contains(serverEvents, static e => Str(e, "event.action") == "state_changed" && Str(e, "socket.state") == "CLOSE_WAIT");
            Assert.Single(serverEvents, static e => Str(e, "event.action") == "closed");

            // Every short connection's client end is reported closed exactly once, with its final byte counters.
            var closedShort = all.Where(e => Str(e, "event.dataset") == "socket" && Str(e, "event.action") == "closed"
                    && RemotePort(e) == port && LocalPort(e) is long p && shortPorts.Contains((int)p))
                .Select(static e => (int)LocalPort(e)!.Value).ToList();
            Assert.Equal(shortPorts.Order(), closedShort.Order());
        }
    }

    /// <summary>
    /// Closes go out between cycles (the loop's steps), not at the next cycle: with a 30 s interval, the ends of a
    /// connection opened and closed after the first snapshot are on stdout within a few seconds, from the destroy
    /// notifications (netlink) or the tracer's transitions (ebpf). Before the steps they waited up to an interval,
    /// held in memory meanwhile.
    /// </summary>
    [Theory]
    [InlineData("netlink")]
    [InlineData("ebpf")]
    public void A_closed_connection_goes_out_before_the_next_cycle(string source)
    {
        if (source == "ebpf")
        {
            SocketAgent.Tests.Tracing.TracingAgent.RequireRoot();
        }
        using DaemonProcess daemon = DaemonProcess.Start(
            ["--source", source, "--interval", "30s", "--heartbeat", "60s", "--state-dir", _stateDir.FullName, "-t"]);
        daemon.WaitForLine(static l => l.Contains("\"action\":\"snapshot\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        // The first cycle's lines are flushed together: once one is read, the 30 s until the next cycle start.
        DateTime firstCycleOut = DateTime.UtcNow;

        int clientPort, serverPort;
        using (var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            serverPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(listener.LocalEndPoint!);
            using Socket server = listener.Accept();
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            client.Send("ping"u8);
            Assert.Equal(4, server.Receive(new byte[16]));
            // The server end closes first, so neither end lingers as an orphan: both are destroyed at once.
            server.Close();
            client.Close();
        }

        bool IsEnd(JsonElement e, int local, int remote) => Str(e, "event.dataset") == "socket" && Str(e, "event.action") == "closed"
            && LocalPort(e) == local && RemotePort(e) == remote;
        var ends = new HashSet<string>();
        daemon.WaitForLine(line =>
        {
            JsonElement e = Parse(line);
            if (IsEnd(e, clientPort, serverPort))
            {
                ends.Add("client");
            }
            else if (IsEnd(e, serverPort, clientPort))
            {
                ends.Add("server");
            }
            return ends.Count == 2;
        }, TimeSpan.FromSeconds(20));
        TimeSpan after = DateTime.UtcNow - firstCycleOut;
        Assert.True(after < TimeSpan.FromSeconds(20), $"both ends closed {after.TotalSeconds:F1} s after the first cycle: that is the next cycle's doing, not a step's");
        Assert.Equal(0, daemon.Terminate(TimeSpan.FromSeconds(10)));
    }
}
