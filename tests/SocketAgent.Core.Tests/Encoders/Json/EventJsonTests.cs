using System.Net;
using System.Text;
using System.Text.Json;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

public class EventJsonTests
{
    private static readonly HostIdentity Host = TestRecords.Host;

    /// <summary>One line of every action of every dataset, in the order a daemon could write them.</summary>
    private static void WriteEveryAction(JsonLinesWriter w)
    {
        long n = 0;
        SocketRecord listener = TestRecords.TcpListenerV4;
        SocketRecord ingress = EventRecords.Tcp("192.0.2.1", 22, "198.51.100.7", 50123, cookie: 2);
        var directions = ConnectionDirectionResolver.FromSockets([listener, ingress]);
        w.WriteEvent(EventRecords.Socket(SocketEventAction.Snapshot, listener, TestRecords.Sshd), EventRecords.Stamp(++n), EventRecords.Agent, Host, directions);
        w.WriteEvent(EventRecords.Socket(SocketEventAction.Opened, ingress, TestRecords.Sshd), EventRecords.Stamp(++n), EventRecords.Agent, Host, directions);
        w.WriteEvent(EventRecords.Socket(SocketEventAction.StateChanged, new SocketRecord
        {
            Transport = ingress.Transport, Family = ingress.Family, State = KernelSocketState.CloseWait, LocalAddress = ingress.LocalAddress,
            LocalPort = ingress.LocalPort, RemoteAddress = ingress.RemoteAddress, RemotePort = ingress.RemotePort, Inode = ingress.Inode, Cookie = ingress.Cookie,
        }, TestRecords.Sshd), EventRecords.Stamp(++n), EventRecords.Agent, Host, directions);
        w.WriteEvent(EventRecords.Socket(SocketEventAction.Closed, TestRecords.TcpEstablishedV6, TestRecords.Curl), EventRecords.Stamp(++n), EventRecords.Agent, Host, directions);
        w.WriteEvent(new SocketEvent
        {
            Action = SocketEventAction.Closed, Socket = EventRecords.Tcp("10.0.0.5", 41000, "10.0.0.9", 443, KernelSocketState.Close, cookie: 3),
            Timestamp = EventRecords.At(1.5), SeenOpen = false,
        }, EventRecords.Stamp(++n), EventRecords.Agent, Host, directions);

        foreach (string action in new[] { "snapshot", "added", "removed", "changed" })
        {
            w.WriteEvent(new RouteEvent { Action = action, Route = HostStateRecords.DefaultV4, Timestamp = EventRecords.At(2), Namespace = HostStateRecords.HostNamespace },
                EventRecords.Stamp(++n), EventRecords.Agent, Host);
        }
        foreach (string action in new[] { "snapshot", "up", "down", "changed", "added", "removed", "address_added", "address_removed" })
        {
            InterfaceRecord link = HostStateRecords.Loopback;
            w.WriteEvent(new InterfaceEvent
            {
                Action = action, Interface = link, Timestamp = EventRecords.At(3), Namespace = HostStateRecords.HostNamespace,
                Address = action.StartsWith("address_", StringComparison.Ordinal) ? link.Addresses[0] : null,
            }, EventRecords.Stamp(++n), EventRecords.Agent, Host);
        }
        w.WriteCounters(HostStateRecords.Tcp, HostStateRecords.HostNamespace, Host, EventRecords.At(4), EventRecords.Stamp(++n), EventRecords.Agent);
        w.WriteHeartbeat(EventRecords.Heartbeat, EventRecords.Stamp(++n), EventRecords.Agent, Host);
    }

    [Fact]
    public void EveryAction_MatchesGoldenFile()
    {
        byte[] actual = EventRecords.WriteBytes(WriteEveryAction);
        string[] lines = SchemaValidator.AssertValidLines(actual);

        if (Environment.GetEnvironmentVariable("SOCKET_AGENT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(Path.Combine(SourceFixtures(), "events.jsonl"), actual);
        }

        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "json", "events.jsonl")), Encoding.UTF8.GetString(actual));
        Assert.Equal(19, lines.Length);
    }

    [Fact]
    public void Envelope_OnEveryLine_SequenceContiguous_IdsUnique()
    {
        string[] lines = EventRecords.Write(WriteEveryAction);
        var ids = new HashSet<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            JsonElement line = HostStateJsonLines.Parse(lines[i]);
            Assert.Equal(i + 1, line.Get("event.sequence").GetInt64());
            Assert.True(ids.Add(line.Str("event.id")!));
            Assert.Equal(EventRecords.Agent.Id, line.Str("agent.id"));
            Assert.Equal(EventRecords.Agent.EphemeralId, line.Str("agent.ephemeral_id"));
            Assert.Equal("0.1.0", line.Str("agent.version"));
            Assert.Equal("socket-agent", line.Str("agent.type"));
            Assert.Equal(EventRecords.Agent.BootId, line.Str("host.boot.id"));
            Assert.Equal("host-1", line.Str("host.name"));
        }
    }

    [Theory]
    [InlineData(SocketEventAction.Snapshot, "state", new[] { "info" })]
    [InlineData(SocketEventAction.Opened, "event", new[] { "connection", "start" })]
    [InlineData(SocketEventAction.Closed, "event", new[] { "connection", "end" })]
    [InlineData(SocketEventAction.StateChanged, "event", new[] { "connection" })]
    public void SocketEvent_Classification(SocketEventAction action, string kind, string[] type)
    {
        JsonElement line = EventRecords.OneSocket(EventRecords.Socket(action, TestRecords.TcpEstablishedV6, TestRecords.Curl));

        Assert.Equal("socket", line.Str("event.dataset"));
        Assert.Equal(action.ToEcsName(), line.Str("event.action"));
        Assert.Equal(kind, line.Str("event.kind"));
        Assert.Equal(["network"], line.Strings("event.category"));
        Assert.Equal(type, line.Strings("event.type"));
        Assert.Equal("2026-11-25T13:00:01.123456700Z", line.Str("@timestamp"));
    }

    [Fact]
    public void Closed_CarriesDurationStartEnd_OwnersAndFinalCounters()
    {
        JsonElement line = EventRecords.OneSocket(EventRecords.Socket(SocketEventAction.Closed, TestRecords.TcpEstablishedV6, TestRecords.Curl));

        Assert.Equal(3_500_000_000L, line.Get("event.duration").GetInt64());
        Assert.Equal("2026-11-25T12:59:57.623456700Z", line.Str("event.start"));
        Assert.Equal("2026-11-25T13:00:01.123456700Z", line.Str("event.end"));
        Assert.True(line.Get("socket.seen_open").GetBoolean());
        Assert.Equal(4242, line.Get("process.pid").GetInt32());
        Assert.Equal(518UL, line.U64("socket.tcp_info.bytes_acked"));
        Assert.Equal(4325UL, line.U64("socket.tcp_info.bytes_received"));
        Assert.Equal(4026531840UL, line.U64("netns.inode"));
    }

    [Fact]
    public void Closed_DestroyOnly_SeenOpenFalse_NoStartNoDurationNoProcess()
    {
        JsonElement line = EventRecords.OneSocket(new SocketEvent
        {
            Action = SocketEventAction.Closed, Socket = EventRecords.Tcp("10.0.0.5", 41000, "10.0.0.9", 443, KernelSocketState.Close), Timestamp = EventRecords.At(1), SeenOpen = false,
        });

        Assert.False(line.Get("socket.seen_open").GetBoolean());
        Assert.False(line.Has("event.start"));
        Assert.False(line.Has("event.duration"));
        Assert.Equal("2026-11-25T13:00:01.123456700Z", line.Str("event.end"));
        Assert.False(line.Has("process"));
    }

    [Fact]
    public void Closed_WithoutDuration_DerivesItFromFirstSeen_NeverNegative()
    {
        SocketEvent e = EventRecords.Socket(SocketEventAction.Closed, TestRecords.TcpEstablishedV6);
        JsonElement derived = EventRecords.OneSocket(new SocketEvent { Action = e.Action, Socket = e.Socket, Timestamp = e.Timestamp, FirstSeen = EventRecords.At(0.75) });
        JsonElement backwards = EventRecords.OneSocket(new SocketEvent { Action = e.Action, Socket = e.Socket, Timestamp = e.Timestamp, FirstSeen = EventRecords.At(5) });

        Assert.Equal(250_000_000L, derived.Get("event.duration").GetInt64());
        Assert.Equal(0L, backwards.Get("event.duration").GetInt64());
    }

    [Fact]
    public void StateChanged_CarriesPreviousStateAsNetstatName()
    {
        SocketRecord record = EventRecords.Tcp("10.0.0.5", 41000, "10.0.0.9", 443, KernelSocketState.FinWait2);
        JsonElement line = EventRecords.OneSocket(new SocketEvent
        {
            Action = SocketEventAction.StateChanged, Socket = record, Timestamp = EventRecords.At(1), PreviousState = KernelSocketState.FinWait1,
        });

        Assert.Equal("FIN_WAIT2", line.Str("socket.state"));
        Assert.Equal("FIN_WAIT1", line.Str("socket.previous_state"));
        Assert.False(line.Has("socket.seen_open"));
        Assert.False(line.Has("event.duration"));
    }

    [Fact]
    public void Opened_OwnersComeFromTheEvent_NotFromATable()
    {
        JsonElement line = EventRecords.OneSocket(EventRecords.Socket(SocketEventAction.Opened, TestRecords.MultiOwnerListener, TestRecords.NginxWorkers));

        Assert.Equal(100, line.Get("process.pid").GetInt32());
        Assert.Equal(3, line.Get("socket.processes").GetArrayLength());
    }

    [Fact]
    public void AgentWithoutBootId_HasNoHostBoot()
    {
        AgentIdentity agent = EventRecords.Agent with { BootId = null };
        JsonElement line = EventRecords.One(w => w.WriteEvent(EventRecords.Socket(SocketEventAction.Opened, TestRecords.UnixPath), EventRecords.Stamp(7), agent, Host));

        Assert.False(line.Has("host.boot"));
        Assert.Equal(7, line.Get("event.sequence").GetInt64());
    }

    [Theory]
    [InlineData("added", new[] { "creation" })]
    [InlineData("removed", new[] { "deletion" })]
    [InlineData("changed", new[] { "change" })]
    public void RouteEvent_Classification(string action, string[] type)
    {
        JsonElement line = EventRecords.One(w => w.WriteEvent(
            new RouteEvent { Action = action, Route = HostStateRecords.ConnectedV4, Timestamp = EventRecords.At(2) }, EventRecords.Stamp(3), EventRecords.Agent, Host));

        Assert.Equal("route", line.Str("event.dataset"));
        Assert.Equal("event", line.Str("event.kind"));
        Assert.Equal(["configuration", "network"], line.Strings("event.category"));
        Assert.Equal(type, line.Strings("event.type"));
        Assert.Equal("evt-000003", line.Str("event.id"));
    }

    [Theory]
    [InlineData("up", "change")]
    [InlineData("down", "change")]
    [InlineData("changed", "change")]
    [InlineData("added", "creation")]
    [InlineData("removed", "deletion")]
    [InlineData("address_added", "creation")]
    [InlineData("address_removed", "deletion")]
    public void InterfaceEvent_Classification_AndAddress(string action, string type)
    {
        InterfaceRecord link = HostStateRecords.VethDown;
        bool isAddress = action.StartsWith("address_", StringComparison.Ordinal);
        InterfaceAddress? address = isAddress ? link.Addresses[^1] : null;
        JsonElement line = EventRecords.One(w => w.WriteEvent(
            new InterfaceEvent { Action = action, Interface = link, Address = address, Timestamp = EventRecords.At(2) }, EventRecords.Stamp(3), EventRecords.Agent, Host));

        Assert.Equal("interface", line.Str("event.dataset"));
        Assert.Equal("event", line.Str("event.kind"));
        Assert.Equal([type], line.Strings("event.type"));
        Assert.Equal(isAddress, line.Has("interface.address"));
        if (address is not null)
        {
            Assert.Equal($"{new IPAddress(address.Address.GetAddressBytes())}/{address.PrefixLength}", line.Str("interface.address"));
        }
    }

    [Fact]
    public void Counters_AreMetricLinesWithTheEnvelope()
    {
        JsonElement line = EventRecords.One(w => w.WriteCounters(HostStateRecords.Tcp, null, Host, EventRecords.At(60), EventRecords.Stamp(9), EventRecords.Agent));

        Assert.Equal("netstat", line.Str("event.dataset"));
        Assert.Equal("counters", line.Str("event.action"));
        Assert.Equal("metric", line.Str("event.kind"));
        Assert.Equal(9, line.Get("event.sequence").GetInt64());
    }

    [Fact]
    public void Heartbeat_CarriesFixedFieldsAndSortedOpenMaps()
    {
        JsonElement line = EventRecords.One(w => w.WriteHeartbeat(EventRecords.Heartbeat, EventRecords.Stamp(11), EventRecords.Agent, Host));

        Assert.Equal("agent", line.Str("event.dataset"));
        Assert.Equal("heartbeat", line.Str("event.action"));
        Assert.Equal("metric", line.Str("event.kind"));
        Assert.Equal(["host"], line.Strings("event.category"));
        Assert.Equal(3_600_250, line.Get("heartbeat.uptime_ms").GetInt64());
        Assert.Equal(3600, line.Get("heartbeat.cycles").GetInt64());
        Assert.Equal(20_412, line.Get("heartbeat.sockets_tracked").GetInt64());
        Assert.Equal(4.123, line.Get("heartbeat.collection.last_ms").GetDouble());
        Assert.Equal(41_943_040, line.Get("heartbeat.rss_bytes").GetInt64());
        Assert.Equal(["agent.heartbeat", "route.added", "socket.closed", "socket.opened"], line.Get("heartbeat.events").EnumerateObject().Select(p => p.Name));
        Assert.Equal(95, line.Get("heartbeat.counters").GetProperty("destroy_events").GetInt64());
        Assert.False(line.Has("network"));
    }

    [Fact]
    public void Heartbeat_BadCounterNames_AreSanitised_NegativeValuesClamped()
    {
        var heartbeat = new HeartbeatRecord
        {
            Timestamp = EventRecords.At(0),
            Uptime = TimeSpan.FromSeconds(-1),
            Counters = new Dictionary<string, long> { ["Bad Name!"] = -5, [""] = 1, ["a..b"] = 2 },
        };
        JsonElement line = EventRecords.One(w => w.WriteHeartbeat(heartbeat, EventRecords.Stamp(1), EventRecords.Agent, Host));

        Assert.Equal(0, line.Get("heartbeat.uptime_ms").GetInt64());
        Assert.Equal(0, line.Get("heartbeat.counters").GetProperty("bad_name_").GetInt64());
        Assert.False(line.Has("heartbeat.collection"));
    }

    [Fact]
    public void OnceOutput_HasNoEnvelope()
    {
        JsonElement line = JsonLines.WriteOne(TestRecords.TcpListenerV4);

        Assert.False(line.Has("agent"));
        Assert.False(line.Has("event.id"));
        Assert.False(line.Has("event.sequence"));
        Assert.False(line.Has("host.boot"));
    }

    [Fact]
    public void Stamp_MustHaveAnIdAndANonNegativeSequence()
    {
        using var writer = new JsonLinesWriter(new MemoryStream());
        SocketEvent e = EventRecords.Socket(SocketEventAction.Opened, TestRecords.UnixPath);

        Assert.ThrowsAny<ArgumentException>(() => writer.WriteEvent(e, new EventStamp("", 1), EventRecords.Agent, Host));
        Assert.ThrowsAny<ArgumentException>(() => writer.WriteEvent(e, new EventStamp("x", -1), EventRecords.Agent, Host));
    }

    private static string SourceFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SocketAgent.Core.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "Fixtures", "json");
            }
        }
        throw new DirectoryNotFoundException("tests/SocketAgent.Core.Tests not found above " + AppContext.BaseDirectory);
    }
}
