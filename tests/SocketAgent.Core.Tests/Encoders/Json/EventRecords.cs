using System.Net;
using System.Net.Sockets;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Events, envelope parts and a writer helper for the event-line tests; every line is schema-validated.</summary>
internal static class EventRecords
{
    public static readonly AgentIdentity Agent = new(
        "5b0f3c1e-8a4d-4f2b-9c6e-1d2a3b4c5d6e", "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f", "0.1.0", "8f1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");

    public static EventStamp Stamp(long sequence) => new($"evt-{sequence:D6}", sequence);

    public static DateTimeOffset At(double seconds) => TestRecords.Timestamp.AddSeconds(seconds);

    public static SocketEvent Socket(SocketEventAction action, SocketRecord record, params ProcessInfo[] owners) =>
        SocketIn(HostStateRecords.HostNamespace, action, record, owners);

    public static SocketEvent SocketIn(NetworkNamespace? networkNamespace, SocketEventAction action, SocketRecord record, params ProcessInfo[] owners) => new()
    {
        Action = action,
        Socket = record,
        Timestamp = At(1),
        Owners = owners,
        FirstSeen = action == SocketEventAction.Closed ? At(-2.5) : null,
        Duration = action == SocketEventAction.Closed ? TimeSpan.FromSeconds(3.5) : null,
        PreviousState = action == SocketEventAction.StateChanged ? KernelSocketState.Established : null,
        Namespace = networkNamespace,
    };

    public static SocketRecord Tcp(string local, int localPort, string remote, int remotePort, KernelSocketState state = KernelSocketState.Established, ulong cookie = 1) => new()
    {
        Transport = Transport.Tcp,
        Family = IPAddress.Parse(local).AddressFamily,
        State = state,
        LocalAddress = IPAddress.Parse(local),
        LocalPort = localPort,
        RemoteAddress = IPAddress.Parse(remote),
        RemotePort = remotePort,
        Uid = 1000,
        Inode = 900 + cookie,
        Cookie = cookie,
    };

    public static SocketRecord Listener(string local, int port, Transport transport = Transport.Tcp) => new()
    {
        Transport = transport,
        Family = IPAddress.Parse(local).AddressFamily,
        State = transport == Transport.Tcp ? KernelSocketState.Listen : KernelSocketState.Close,
        LocalAddress = IPAddress.Parse(local),
        LocalPort = port,
        RemoteAddress = IPAddress.Parse(local).AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any,
        Inode = 800 + (ulong)port,
        Cookie = 800 + (ulong)port,
    };

    public static HeartbeatRecord Heartbeat => new()
    {
        Timestamp = At(30),
        Uptime = TimeSpan.FromSeconds(3600.25),
        Cycles = 3600,
        SocketsTracked = 20_412,
        LastCollectionMilliseconds = 4.1234567,
        AverageCollectionMilliseconds = 3.9,
        RssBytes = 41_943_040,
        Events = new Dictionary<string, long> { ["socket.opened"] = 120, ["socket.closed"] = 118, ["route.added"] = 1, ["agent.heartbeat"] = 119 },
        Counters = new Dictionary<string, long> { [CounterNames.Errors] = 0, [CounterNames.Warnings] = 2, [CounterNames.DestroyEvents] = 95, [CounterNames.DestroyOverruns] = 0 },
    };

    public static byte[] WriteBytes(Action<JsonLinesWriter> write) => HostStateJsonLines.WriteBytes(write);

    public static string[] Write(Action<JsonLinesWriter> write) => SchemaValidator.AssertValidLines(WriteBytes(write));

    public static System.Text.Json.JsonElement One(Action<JsonLinesWriter> write)
    {
        string[] lines = Write(write);
        Assert.Single(lines);
        return HostStateJsonLines.Parse(lines[0]);
    }

    public static System.Text.Json.JsonElement OneSocket(SocketEvent socketEvent, IConnectionDirectionResolver? directions = null, long sequence = 1) =>
        One(w => w.WriteEvent(socketEvent, Stamp(sequence), Agent, TestRecords.Host, directions));
}
