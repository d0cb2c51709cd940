using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Incremental;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Incremental;

/// <summary>
/// Real sockets in a namespace of their own, read cycle after cycle as the daemon reads them: the namespace's
/// <see cref="IncrementalSocketReader"/>, then <see cref="SocketOwnerCache"/> over its list.
/// </summary>
public sealed class IncrementalCycleLiveTests
{
    private static readonly IncrementalCollectorOptions s_options = new() { FullDumpInterval = Timeout.InfiniteTimeSpan };

    private sealed record Cycle(IReadOnlyList<SocketRecord> Sockets, SocketOwners Owners, FullDumpReason FullDumpReason);

    private sealed class Cycles : IDisposable
    {
        public IncrementalSocketReader Sockets { get; } = new(s_options);
        public SocketOwnerCache Owners { get; } = new(s_options);

        public Cycle Collect(SocketQuery query, CollectionDiagnostics diagnostics)
        {
            IReadOnlyList<SocketRecord> sockets = Sockets.Read(query, diagnostics);
            return new Cycle(sockets, Owners.Resolve(sockets, diagnostics), Sockets.LastReason);
        }

        public void Dispose() => Sockets.Dispose();
    }

    private static void InQuietNamespace(Action body)
    {
        string? unavailable = TestNetns.Unavailable();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        using TestNetns ns = TestNetns.Create("incr");
        ns.RunInside(body);
    }

    [Fact]
    public void Cycles_FollowOpensClosesAndStateChanges()
    {
        InQuietNamespace(() =>
        {
            var diagnostics = new CollectionDiagnostics();
            using var collector = new Cycles();
            using Socket listener = Listen();
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;

            Cycle cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.Equal(FullDumpReason.FirstCycle, cycle.FullDumpReason);
            Assert.Single(Tcp(cycle, port), s => s.State == KernelSocketState.Listen);

            cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.Equal(FullDumpReason.None, cycle.FullDumpReason);

            // Opened between two cycles: both ends appear, with their owner.
            (Socket clientA, Socket serverA) = Connect(listener);
            cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.Equal(FullDumpReason.OpensMoved, cycle.FullDumpReason);
            SocketRecord[] pairA = [.. Pair(cycle, clientA)];
            Assert.Equal(2, pairA.Length);
            Assert.All(pairA, s => Assert.Equal(KernelSocketState.Established, s.State));
            Assert.All(pairA, s => Assert.Equal(Environment.ProcessId, Assert.Single(cycle.Owners.Lookup(s.Inode)).Pid));

            // Nothing changed: carried over, the very same records.
            cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.Equal(FullDumpReason.None, cycle.FullDumpReason);
            Assert.Equal(pairA.OrderBy(s => s.Cookie), Pair(cycle, clientA).OrderBy(s => s.Cookie), ReferenceEqualityComparer.Instance);

            // Opened and closed between two cycles: never seen.
            (Socket clientB, Socket serverB) = Connect(listener);
            int portB = ((IPEndPoint)clientB.LocalEndPoint!).Port;
            Reset(clientB, serverB);
            cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.DoesNotContain(cycle.Sockets, s => s.Transport == Transport.Tcp && (s.LocalPort == portB || s.RemotePort == portB));

            // Half close: FIN_WAIT2 and CLOSE_WAIT, found by the non-ESTABLISHED dump alone.
            clientA.Shutdown(SocketShutdown.Send);
            WaitFor(() => collector.Collect(SocketQuery.All, diagnostics), c => Pair(c, clientA).Any(s => s.State == KernelSocketState.FinWait2), out cycle);
            Assert.Equal([KernelSocketState.FinWait2, KernelSocketState.CloseWait], Pair(cycle, clientA).Select(s => s.State).Order());
            if (Environment.OSVersion.Version >= new Version(6, 10))
            {
                // Since 6.10 CurrEstab counts CLOSE_WAIT too, so a half-closed connection still adds up: no full dump.
                Assert.Equal(FullDumpReason.None, collector.Collect(SocketQuery.All, diagnostics).FullDumpReason);
            }

            // An ESTABLISHED pair reset with no trace in any dump: CurrEstab no longer adds up, so TCP is dumped whole.
            (Socket clientC, Socket serverC) = Connect(listener);
            cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.Equal(2, Pair(cycle, clientC).Count());
            int portC = ((IPEndPoint)clientC.LocalEndPoint!).Port;
            Reset(clientC, serverC);
            cycle = collector.Collect(SocketQuery.All, diagnostics);
            Assert.Equal(FullDumpReason.EstablishedCountMismatch, cycle.FullDumpReason);
            Assert.DoesNotContain(cycle.Sockets, s => s.Transport == Transport.Tcp && (s.LocalPort == portC || s.RemotePort == portC));

            Reset(clientA, serverA);
            // The peer handles the RST in softirq context: on a loaded machine it can take a moment to go.
            for (int attempt = 0; attempt < 40; attempt++)
            {
                cycle = collector.Collect(SocketQuery.All, diagnostics);
                if (cycle.Sockets.Count(s => s.Transport == Transport.Tcp) == 1)
                {
                    break;
                }
                Thread.Sleep(50);
            }
            Assert.Single(cycle.Sockets, s => s.Transport == Transport.Tcp);
            Assert.True(collector.Sockets.IncrementalCycles >= 2);
            Assert.Equal(cycle.Sockets.Count, collector.Sockets.SocketsTracked);
        });
    }

    [Fact]
    public void IncrementalCycle_EqualsAFullCollection()
    {
        InQuietNamespace(() =>
        {
            var diagnostics = new CollectionDiagnostics();
            using var collector = new Cycles();
            using Socket listener = Listen();
            using Socket listener6 = Listen(IPAddress.IPv6Loopback);
            var held = new List<Socket> { listener, listener6 };
            try
            {
                for (int i = 0; i < 20; i++)
                {
                    (Socket client, Socket server) = Connect(i % 4 == 3 ? listener6 : listener);
                    held.Add(client);
                    held.Add(server);
                    if (i % 5 == 0)
                    {
                        client.Shutdown(SocketShutdown.Send);
                    }
                }
                var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                held.Add(udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));

                Cycle before = collector.Collect(SocketQuery.All, diagnostics);
                (Socket late, Socket lateServer) = Connect(listener);
                held.Add(late);
                held.Add(lateServer);
                Cycle after = collector.Collect(SocketQuery.All, diagnostics);

                // A full dump forced by the counters keeps the records of sockets still ESTABLISHED (same objects).
                Assert.Equal(FullDumpReason.OpensMoved, after.FullDumpReason);
                Dictionary<ulong, SocketRecord> previous = before.Sockets
                    .Where(s => s.Transport == Transport.Tcp && s.State == KernelSocketState.Established && s.Inode != 0)
                    .ToDictionary(s => s.Cookie!.Value);
                SocketRecord[] kept = [.. after.Sockets.Where(s => s.Cookie is { } c && previous.ContainsKey(c) && s.State == KernelSocketState.Established)];
                Assert.NotEmpty(kept);
                Assert.All(kept, s => Assert.Same(previous[s.Cookie!.Value], s));
                Assert.Equal(2, after.Sockets.Count(s => s.Transport == Transport.Tcp && s.State == KernelSocketState.Established
                    && !previous.ContainsKey(s.Cookie!.Value)));
                Thread.Sleep(50); // let the half-closes settle

                Cycle cycle = WaitFor(() => collector.Collect(SocketQuery.All, diagnostics), c => c.FullDumpReason == FullDumpReason.None, out _);
                IReadOnlyList<SocketRecord> full = new NetlinkSocketSource().Collect(SocketQuery.All, new CollectionDiagnostics());

                Assert.Equal(full.Select(Key).Order(), cycle.Sockets.Select(Key).Order());
                foreach (SocketRecord socket in cycle.Sockets.Where(s => s.Transport == Transport.Tcp && s.Inode != 0))
                {
                    Assert.Equal(Environment.ProcessId, Assert.Single(cycle.Owners.Lookup(socket.Inode)).Pid);
                }
            }
            finally
            {
                foreach (Socket socket in held)
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Dispose();
                }
            }
        });
    }

    [Fact]
    public void With_the_tracer_a_pass_between_full_dumps_reads_the_listeners_and_leaves_the_connections_to_it()
    {
        InQuietNamespace(() =>
        {
            var diagnostics = new CollectionDiagnostics();
            using var reader = new IncrementalSocketReader(new IncrementalCollectorOptions { FullDumpInterval = TimeSpan.FromHours(1) });
            SocketQuery traced = SocketQuery.All with { TcpTraced = true, IncludeTcpRemnants = false };
            using Socket listener = Listen();
            (Socket client, Socket server) = Connect(listener);
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            try
            {
                // The first pass is whole: the tracer only sees what changes after it started.
                IReadOnlyList<SocketRecord> first = reader.Read(traced, diagnostics);
                Assert.Equal(FullDumpReason.FirstCycle, reader.LastReason);
                Assert.False(reader.TcpConnectionsOmitted);
                Assert.Equal(2, first.Count(s => s.Transport == Transport.Tcp && s.State == KernelSocketState.Established));

                // Then the listeners, UDP and the rest, and no TCP connection, old or new.
                (Socket late, Socket lateServer) = Connect(listener);
                using (late)
                using (lateServer)
                {
                    IReadOnlyList<SocketRecord> pass = reader.Read(traced, diagnostics);
                    Assert.Equal(FullDumpReason.Traced, reader.LastReason);
                    Assert.True(reader.TcpConnectionsOmitted);
                    Assert.All(pass.Where(s => s.Transport == Transport.Tcp), s => Assert.Equal(KernelSocketState.Listen, s.State));
                    Assert.Single(pass, s => s.Transport == Transport.Tcp);
                    Assert.Contains(pass, s => s.Transport == Transport.Udp && s.LocalPort == ((IPEndPoint)udp.LocalEndPoint!).Port);

                    // A requested full dump (the tracer lost records) is whole again.
                    reader.RequestFullDump();
                    IReadOnlyList<SocketRecord> full = reader.Read(traced, diagnostics);
                    Assert.False(reader.TcpConnectionsOmitted);
                    Assert.Equal(4, full.Count(s => s.Transport == Transport.Tcp && s.State == KernelSocketState.Established));
                }
            }
            finally
            {
                Reset(client, server);
            }
        });
    }

    private static string Key(SocketRecord s) =>
        $"{s.Transport} {s.TableFamily} {s.State} {s.LocalAddress}:{s.LocalPort} {s.RemoteAddress}:{s.RemotePort} {s.Inode} {s.Cookie} {s.UnixPath}";

    /// <summary>Runs <paramref name="cycle"/> until <paramref name="done"/> (at most 50 times, 20 ms apart).</summary>
    private static Cycle WaitFor(Func<Cycle> cycle, Func<Cycle, bool> done, out Cycle result)
    {
        for (int i = 0; ; i++)
        {
            result = cycle();
            if (done(result) || i == 50)
            {
                return result;
            }
            Thread.Sleep(20);
        }
    }

    private static IEnumerable<SocketRecord> Tcp(Cycle cycle, int port) =>
        cycle.Sockets.Where(s => s.Transport == Transport.Tcp && (s.LocalPort == port || s.RemotePort == port));

    /// <summary>Both ends of the connection whose client is <paramref name="client"/>.</summary>
    private static IEnumerable<SocketRecord> Pair(Cycle cycle, Socket client)
    {
        int port = ((IPEndPoint)client.LocalEndPoint!).Port;
        return cycle.Sockets.Where(s => s.Transport == Transport.Tcp && s.State != KernelSocketState.Listen && (s.LocalPort == port || s.RemotePort == port));
    }

    private static Socket Listen(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(16);
        return listener;
    }

    private static (Socket Client, Socket Server) Connect(Socket listener)
    {
        var client = new Socket(listener.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        return (client, listener.Accept());
    }

    /// <summary>Closes both ends with RST: no FIN states, no TIME_WAIT, gone from the tables at once.</summary>
    private static void Reset(Socket client, Socket server)
    {
        client.LingerState = new LingerOption(true, 0);
        server.LingerState = new LingerOption(true, 0);
        client.Dispose();
        server.Dispose();
    }
}
