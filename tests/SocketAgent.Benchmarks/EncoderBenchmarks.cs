using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Benchmarks;

/// <summary>
/// The JSON encoder of socket lines (<see cref="JsonLinesWriter"/>): time and bytes allocated per line, in
/// steady state (the writer's buffer and the encoder's per-process caches are warm, as in a running daemon). The
/// target is 0 B allocated per line. Lines go to <see cref="Stream.Null"/> in 64 KiB writes.
/// </summary>
[MemoryDiagnoser]
public class EncoderBenchmarks
{
    private const int Lines = 1000;

    private static readonly HostIdentity s_host = new("bench-host", "0123456789abcdef0123456789abcdef");
    private static readonly AgentIdentity s_agent = new("6f1c0d3e-8a4b-4c1e-9d2f-0a1b2c3d4e5f", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0.1.0", "2b9a7c1e-5d4f-4e3a-8b2c-1d0e9f8a7b6c");
    private static readonly NetworkNamespace s_namespace = new() { Inode = 4026532000, Name = "blue", OwnerCgroup = new CgroupIdentity { ContainerId = "3f2a" } };

    private readonly JsonLinesWriter _writer = new(Stream.Null);
    private SocketEvent[] _opened = [];
    private SocketEvent[] _closedV6 = [];
    private SocketEvent[] _stateChanged = [];
    private SocketEvent[] _unix = [];
    private SocketSnapshot _snapshot = null!;
    private ConnectionDirectionResolver _directions = null!;
    private EventStamp[] _stamps = [];

    [GlobalSetup]
    public void Setup()
    {
        var nginx = new ProcessInfo
        {
            Pid = 4242, ParentPid = 1, Name = "nginx", Args = ["nginx: worker process", "-g", "daemon off;"], CommandLine = "nginx: worker process -g 'daemon off;'",
            Executable = "/usr/sbin/nginx", Uid = 33, UserName = "www-data", StartTime = DateTimeOffset.UtcNow.AddHours(-3),
        };
        var curl = new ProcessInfo { Pid = 5151, ParentPid = 4000, Name = "curl", Args = ["curl", "https://example.com/"], CommandLine = "curl https://example.com/", Uid = 1000, UserName = "dev" };
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _opened = new SocketEvent[Lines];
        _closedV6 = new SocketEvent[Lines];
        _stateChanged = new SocketEvent[Lines];
        _unix = new SocketEvent[Lines];
        var sockets = new SocketRecord[Lines];
        for (int i = 0; i < Lines; i++)
        {
            SocketRecord v4 = Inet(AddressFamily.InterNetwork, IPAddress.Parse("10.0.0.1"), 443, new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), 1024 + i, (ulong)i);
            SocketRecord v6 = Inet(AddressFamily.InterNetworkV6, IPAddress.Parse("2001:db8::1"), 40000 + i, IPAddress.Parse("2001:db8:1::" + (i + 1).ToString("x")), 443, (ulong)i + Lines);
            var unix = new SocketRecord
            {
                Transport = Transport.Unix, Family = AddressFamily.Unix, State = KernelSocketState.Established, UnixType = UnixSocketType.Stream,
                UnixPath = "/run/app/app.sock", Inode = 900_000 + (ulong)i, UnixPeerInode = 800_000 + (ulong)i,
            };
            sockets[i] = v4;
            _opened[i] = new SocketEvent { Action = SocketEventAction.Opened, Socket = v4, Timestamp = now, Owners = [nginx], Namespace = s_namespace };
            _closedV6[i] = new SocketEvent { Action = SocketEventAction.Closed, Socket = v6, Timestamp = now, FirstSeen = now.AddSeconds(-i), Owners = [curl] };
            _stateChanged[i] = new SocketEvent { Action = SocketEventAction.StateChanged, Socket = v4, Timestamp = now, PreviousState = KernelSocketState.SynRecv, Owners = [nginx] };
            _unix[i] = new SocketEvent { Action = SocketEventAction.Opened, Socket = unix, Timestamp = now, Owners = [nginx, curl] };
        }
        _snapshot = new SocketSnapshot
        {
            Timestamp = now,
            Host = s_host,
            Sockets = sockets,
            Owners = new SocketOwners(sockets.ToDictionary(s => s.Inode, _ => new[] { nginx }), 1, 0),
            Source = "netlink",
        };
        _directions = ConnectionDirectionResolver.FromSockets(sockets);
        // Event ids are made by the daemon before the encoder sees them: not part of the encoder's cost.
        _stamps = Enumerable.Range(0, Lines).Select(i => new EventStamp(Guid.CreateVersion7(), i + 1)).ToArray();

        // Warm the caches and the writer's buffer.
        OpenedIPv4();
        ClosedIPv6();
        SnapshotLines();
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(OperationsPerInvoke = Lines, Description = "opened, IPv4 TCP with tcp_info, namespace, direction")]
    public void OpenedIPv4() => WriteAll(_opened, _directions);

    [Benchmark(OperationsPerInvoke = Lines, Description = "closed, IPv6 TCP with duration")]
    public void ClosedIPv6() => WriteAll(_closedV6, directions: null);

    [Benchmark(OperationsPerInvoke = Lines, Description = "state_changed, IPv4 TCP")]
    public void StateChanged() => WriteAll(_stateChanged, _directions);

    [Benchmark(OperationsPerInvoke = Lines, Description = "opened, UNIX stream, two holders")]
    public void Unix() => WriteAll(_unix, directions: null);

    [Benchmark(OperationsPerInvoke = Lines, Description = "snapshot lines (--once), IPv4 TCP")]
    public void SnapshotLines()
    {
        _writer.WriteSnapshot(_snapshot, s_namespace, _directions);
        _writer.Flush();
    }

    private void WriteAll(SocketEvent[] events, IConnectionDirectionResolver? directions)
    {
        for (int i = 0; i < events.Length; i++)
        {
            _writer.WriteEvent(events[i], _stamps[i], s_agent, s_host, directions);
        }
        _writer.Flush();
    }

    private static SocketRecord Inet(AddressFamily family, IPAddress local, int localPort, IPAddress remote, int remotePort, ulong i) => new()
    {
        Transport = Transport.Tcp, Family = family, State = KernelSocketState.Established,
        LocalAddress = local, LocalPort = localPort, RemoteAddress = remote, RemotePort = remotePort,
        Inode = 100_000 + i, Cookie = 500_000 + i, Uid = 33, RecvQueue = 0, SendQueue = i,
        TcpInfo = new TcpInfo { RttMicros = 120, RttVarMicros = 30, BytesAcked = 1000 + i, BytesReceived = 2000, SegsIn = 10, SegsOut = 12, SndCwnd = 10, Retransmits = 0 },
    };
}
