using System.Net;
using System.Net.Sockets;
using System.Text;
using CsCheck;
using SocketAgent.Collection;
using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Encoders.Json.Reference;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>
/// The hand-written socket encoder (<see cref="SocketLineEncoder"/>, behind <see cref="JsonLinesWriter"/>) writes
/// byte for byte what the source-generated document path wrote (<see cref="ReferenceSocketLines"/>): for the fixtures,
/// for this machine's real sockets, processes and events, and for generated records with every optional field present
/// or absent, all families, and strings that need escaping.
/// </summary>
public sealed class SocketLineEncoderIdentityTests
{
    private static readonly Gen<DateTimeOffset> s_time = Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks]
        .Select(Gen.Int[-14 * 60, 14 * 60], (ticks, offsetMinutes) => ClampedTime(ticks, offsetMinutes));

    private static readonly Gen<NetworkNamespace?> s_namespace = Gen.OneOf(
        Gen.Const((NetworkNamespace?)null),
        Gen.Select(Gen.ULong, SocketJsonFuzzTests.s_string, Gen.Bool, (inode, text, named) => (NetworkNamespace?)new NetworkNamespace
        {
            Inode = inode,
            Name = named ? text : null,
            OwnerCgroup = text.Length % 2 == 0 ? new CgroupIdentity { ContainerId = text, ContainerRuntime = named ? "containerd" : null } : null,
        }));

    private static readonly Gen<SocketEvent> s_event = Gen.Select(
        Gen.Select(Gen.Enum<SocketEventAction>(), SocketJsonFuzzTests.s_record, SocketJsonFuzzTests.s_process.Array[0, 3], s_time, (action, record, owners, at) => (action, record, owners, at)),
        Gen.Select(Gen.OneOf(s_time.Select(t => (DateTimeOffset?)t), Gen.Const((DateTimeOffset?)null)), Gen.OneOf(Gen.Long.Select(t => (TimeSpan?)new TimeSpan(t)), Gen.Const((TimeSpan?)null)),
            Gen.Bool, Gen.OneOf(Gen.Byte[0, 15].Select(s => (KernelSocketState?)s), Gen.Const((KernelSocketState?)null)), s_namespace,
            (first, duration, seen, previous, ns) => (first, duration, seen, previous, ns)),
        (a, b) => new SocketEvent
        {
            Action = a.action,
            Socket = a.record,
            Owners = a.owners,
            Timestamp = a.at,
            FirstSeen = b.first,
            Duration = b.duration,
            SeenOpen = b.seen,
            PreviousState = b.previous,
            Namespace = b.ns,
        });

    private static readonly Gen<AgentIdentity> s_agent = Gen.Select(SocketJsonFuzzTests.s_string, SocketJsonFuzzTests.s_string, SocketJsonFuzzTests.s_string, Gen.Bool,
        (id, run, version, boot) => new AgentIdentity(id, run, version, boot ? run : null));

    private static readonly Gen<HostIdentity> s_host = Gen.Select(SocketJsonFuzzTests.s_string, Gen.Bool, (name, hasId) => new HostIdentity(name, hasId ? name + "-id" : null));

    [Fact]
    public void Fixtures_SnapshotLines_AreIdentical()
    {
        foreach (NetworkNamespace? ns in new[] { null, HostStateRecords.NamedNamespace, HostStateRecords.HostNamespace })
        {
            SocketSnapshot snapshot = TestRecords.Snapshot(TestRecords.All);
            var directions = ConnectionDirectionResolver.FromSockets(snapshot.Sockets);
            AssertSnapshotIdentical(snapshot, ns, directions, UserName);
            AssertSnapshotIdentical(snapshot, ns, directions: null, userNames: null);
            AssertSnapshotIdentical(snapshot, ns, directions, UserName, "opened");
        }
    }

    [Fact]
    public void Fixtures_EventLines_AreIdentical()
    {
        var directions = ConnectionDirectionResolver.FromSockets(TestRecords.All);
        var agents = new[] { EventRecords.Agent, EventRecords.Agent with { BootId = null }, EventRecords.Agent with { BootId = "" } };
        var writer = new Lines(UserName);
        long sequence = 1;
        foreach (AgentIdentity agent in agents)
        {
            foreach (SocketRecord record in TestRecords.All)
            {
                foreach (SocketEventAction action in Enum.GetValues<SocketEventAction>())
                {
                    var socketEvent = new SocketEvent
                    {
                        Action = action,
                        Socket = record,
                        Timestamp = EventRecords.At(sequence),
                        Owners = TestRecords.Owners.Lookup(record.Inode),
                        PreviousState = KernelSocketState.SynSent,
                        FirstSeen = sequence % 3 == 0 ? null : EventRecords.At(-sequence),
                        Duration = sequence % 5 == 0 ? TimeSpan.FromSeconds(2) : null,
                        SeenOpen = sequence % 2 == 0,
                        Namespace = sequence % 4 == 0 ? HostStateRecords.NamedNamespace : null,
                    };
                    writer.AssertEventIdentical(socketEvent, EventRecords.Stamp(sequence), agent, TestRecords.Host, sequence % 2 == 0 ? directions : null);
                    sequence++;
                }
            }
        }
    }

    [Fact]
    public void LiveSockets_SnapshotAndEventLines_AreIdentical()
    {
        using var live = LiveSockets.Open(spawnChild: false);
        using var collector = new HostCollector(new HostCollectorOptions());
        HostSnapshot before = collector.Collect(SocketQuery.All, new CollectionDiagnostics());

        // Something to tell apart: a new connection opened and one closed between the two collections.
        Socket listener = live.DualStackListener;
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        client.DualMode = true;
        client.Connect(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port));
        using Socket accepted = listener.Accept();
        live.DualStackV4Client.Close();
        HostSnapshot after = collector.Collect(SocketQuery.All, new CollectionDiagnostics());

        int lines = 0;
        foreach (NamespaceState state in after.Namespaces)
        {
            var directions = ConnectionDirectionResolver.FromNamespace(state);
            AssertSnapshotIdentical(after.SocketsOf(state), state.Namespace, directions, UserName);
            lines += state.Sockets.Count;
        }
        Assert.True(lines >= 4, $"only {lines} live sockets");

        var differ = new SocketDiffer();
        differ.Apply(before);
        IReadOnlyList<SocketEvent> changes = differ.Apply(after);
        Assert.NotEmpty(changes);

        // Every live socket also as each kind of event, with its real owners.
        var events = new List<SocketEvent>(changes);
        foreach (NamespaceState state in after.Namespaces)
        {
            foreach (SocketRecord record in state.Sockets)
            {
                events.Add(new SocketEvent { Action = SocketEventAction.Opened, Socket = record, Timestamp = after.Timestamp, Owners = after.Owners.Lookup(record.Inode), Namespace = state.Namespace });
                events.Add(new SocketEvent { Action = SocketEventAction.Closed, Socket = record, Timestamp = after.Timestamp, FirstSeen = before.Timestamp, Owners = after.Owners.Lookup(record.Inode), Namespace = state.Namespace });
                events.Add(new SocketEvent { Action = SocketEventAction.StateChanged, Socket = record, Timestamp = after.Timestamp, PreviousState = KernelSocketState.SynRecv, Owners = after.Owners.Lookup(record.Inode) });
            }
        }

        var writer = new Lines(UserName);
        var resolver = ConnectionDirectionResolver.FromNamespace(after.Namespaces[0]);
        for (int i = 0; i < events.Count; i++)
        {
            writer.AssertEventIdentical(events[i], EventRecords.Stamp(i + 1), EventRecords.Agent, after.Host, resolver);
        }
    }

    [Fact]
    public void RandomSnapshots_AreIdentical()
    {
        Gen.Select(SocketJsonFuzzTests.s_record.Array[1, 6], SocketJsonFuzzTests.s_process.Array[0, 4], s_host, s_time, s_namespace, Gen.Bool, SocketJsonFuzzTests.s_string)
            .Sample((records, processes, host, time, ns, resolve, action) =>
            {
                var byInode = new Dictionary<ulong, ProcessInfo[]>();
                foreach (SocketRecord record in records)
                {
                    byInode[record.Inode] = processes[..(int)(record.Inode % (ulong)(processes.Length + 1))];
                }
                var snapshot = new SocketSnapshot
                {
                    Timestamp = time,
                    Host = host,
                    Sockets = records,
                    Owners = new SocketOwners(byInode, processes.Length, 0),
                    Source = "netlink",
                };
                AssertSnapshotIdentical(snapshot, ns, resolve ? ConnectionDirectionResolver.FromSockets(records) : null,
                    uid => uid % 3 == 0 ? null : action, action.Length % 2 == 0 ? "snapshot" : action);
            }, iter: 500, threads: 1);
    }

    [Fact]
    public void RandomEvents_AreIdentical()
    {
        Gen.Select(s_event.Array[1, 6], s_agent, s_host, SocketJsonFuzzTests.s_address.Array[0, 3], Gen.Long[0, long.MaxValue - 10], SocketJsonFuzzTests.s_string)
            .Sample((events, agent, host, hostAddresses, sequence, id) =>
            {
                var directions = ConnectionDirectionResolver.FromSockets(events.Select(e => e.Socket).ToArray());
                foreach (IPAddress address in hostAddresses)
                {
                    directions.AddHostAddress(address);
                }
                // One encoder across the events, as in the daemon: its caches carry over from line to line.
                var writer = new Lines(uid => uid % 2 == 0 ? null : id);
                for (int i = 0; i < events.Length; i++)
                {
                    // The daemon's stamps carry a UUID, formatted into the line as UTF-8; a text id is written as given.
                    EventStamp stamp = i % 3 == 0 ? new EventStamp(Guid.CreateVersion7(), sequence + i) : new EventStamp(id + "x" + i, sequence + i);
                    writer.AssertEventIdentical(events[i], stamp, agent, host, i % 2 == 0 ? directions : null);
                }
            }, iter: 500, threads: 1);
    }

    [Fact]
    public void CommunityId_TryFormat_MatchesCompute()
    {
        Gen.Select(Gen.Byte, SocketJsonFuzzTests.s_address, Gen.Int[-2, 70000], SocketJsonFuzzTests.s_address, Gen.Int[-2, 70000], Gen.UShort)
            .Sample((protocol, source, sourcePort, destination, destinationPort, seed) =>
            {
                Span<byte> utf8 = stackalloc byte[CommunityId.MaxUtf8Length];
                bool ok = CommunityId.TryFormat(protocol, source, sourcePort, destination, destinationPort, utf8, out int written, seed);
                string? expected = CommunityId.Compute(protocol, source, sourcePort, destination, destinationPort, seed);
                Assert.Equal(expected, ok ? Encoding.ASCII.GetString(utf8[..written]) : null);
            }, iter: 2000);
    }

    [Fact]
    public void CommunityId_OneBlockSha1_MatchesThePlatformSha1()
    {
        Gen.Byte.Array[0, 55].Sample(input =>
        {
            Span<byte> hash = stackalloc byte[20];
            CommunityId.HashOneBlock(input, hash);
            Assert.Equal(System.Security.Cryptography.SHA1.HashData(input), hash.ToArray());
        }, iter: 5000);
    }

    [Fact]
    public void RfcTimestamp_MatchesTheFormatString()
    {
        s_time.Sample(time =>
        {
            string expected = time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff", System.Globalization.CultureInfo.InvariantCulture) + "00Z";
            Assert.Equal(expected, RfcTimestamp.Format(time));
        }, iter: 2000);
    }

    [Fact]
    public void FailedLine_LeavesNoPartialLine()
    {
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream))
        {
            var socketEvent = EventRecords.Socket(SocketEventAction.Opened, TestRecords.TcpListenerV4);
            Assert.Throws<ArgumentException>(() => writer.WriteEvent(socketEvent, new EventStamp("", 1), EventRecords.Agent, TestRecords.Host));
            writer.WriteEvent(socketEvent, EventRecords.Stamp(2), EventRecords.Agent, TestRecords.Host);
        }
        string[] lines = SchemaValidator.AssertValidLines(stream.ToArray());
        Assert.Single(lines);
    }

    private static string? UserName(uint uid) => uid == 0 ? "root" : uid == 65534 ? "nobody \"ü\"" : null;

    private static DateTimeOffset ClampedTime(long ticks, int offsetMinutes)
    {
        var offset = TimeSpan.FromMinutes(offsetMinutes);
        long local = Math.Clamp(ticks + offset.Ticks, DateTimeOffset.MinValue.Ticks, DateTimeOffset.MaxValue.Ticks);
        return new DateTimeOffset(Math.Clamp(local - offset.Ticks, 0, DateTimeOffset.MaxValue.Ticks) + offset.Ticks, offset);
    }

    private static void AssertSnapshotIdentical(SocketSnapshot snapshot, NetworkNamespace? ns, IConnectionDirectionResolver? directions, Func<uint, string?>? userNames, string action = "snapshot")
    {
        byte[] expected = new ReferenceSocketLines(userNames).WriteSnapshot(snapshot, ns, directions, action);
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames))
        {
            writer.WriteSnapshot(snapshot, ns, directions, action);
            // A second pass with warm caches writes the same again.
            writer.WriteSnapshot(snapshot, ns, directions, action);
        }
        AssertSameText(expected.Concat(expected).ToArray(), stream.ToArray());
    }

    private static void AssertSameText(byte[] expected, byte[] actual)
    {
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            // As text, so a failure shows where the lines differ.
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>The writer under test and the oracle, each keeping its caches across lines.</summary>
    private sealed class Lines
    {
        private readonly ReferenceSocketLines _reference;
        private readonly MemoryStream _stream = new();
        private readonly JsonLinesWriter _writer;

        public Lines(Func<uint, string?>? userNames)
        {
            _reference = new ReferenceSocketLines(userNames);
            _writer = new JsonLinesWriter(_stream, userNames);
        }

        public void AssertEventIdentical(SocketEvent socketEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host, IConnectionDirectionResolver? directions)
        {
            byte[] expected;
            try
            {
                expected = _reference.WriteEvent(socketEvent, stamp, agent, host, directions);
            }
            catch (ArgumentException)
            {
                // The old path refused it (an empty event id): so must the new one.
                Assert.ThrowsAny<ArgumentException>(() => _writer.WriteEvent(socketEvent, stamp, agent, host, directions));
                return;
            }
            _stream.SetLength(0);
            _writer.WriteEvent(socketEvent, stamp, agent, host, directions);
            _writer.Flush();
            AssertSameText(expected, _stream.ToArray());
        }
    }
}
