using CsCheck;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Whatever events the daemon hands over, the writer emits valid, schema-valid JSON lines and never throws.</summary>
public class EventJsonFuzzTests
{
    private static readonly Gen<string> s_nonEmpty = SocketJsonFuzzTests.s_string.Select(s => s.Length == 0 ? "x" : s);

    private static readonly Gen<DateTimeOffset> s_time = Gen.Long[DateTimeOffset.UnixEpoch.UtcTicks, new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks]
        .Select(t => new DateTimeOffset(t, TimeSpan.Zero));

    private static readonly Gen<SocketEvent> s_event = Gen.Select(
        Gen.Select(Gen.Enum<SocketEventAction>(), SocketJsonFuzzTests.s_record, SocketJsonFuzzTests.s_process.Array[0, 3], s_time, (action, record, owners, at) => (action, record, owners, at)),
        Gen.Select(Gen.OneOf(s_time.Select(t => (DateTimeOffset?)t), Gen.Const((DateTimeOffset?)null)), Gen.OneOf(Gen.Long.Select(t => (TimeSpan?)new TimeSpan(t)), Gen.Const((TimeSpan?)null)), Gen.Bool, Gen.Byte[0, 15],
            (first, duration, seen, previous) => (first, duration, seen, previous)),
        (a, b) => new SocketEvent
        {
            Action = a.action,
            Socket = a.record,
            Owners = a.owners,
            Timestamp = a.at,
            FirstSeen = b.first,
            Duration = b.duration,
            SeenOpen = b.seen,
            PreviousState = (KernelSocketState)b.previous,
            Namespace = b.seen ? HostStateRecords.NamedNamespace : null,
        });

    private static readonly Gen<AgentIdentity> s_agent = Gen.Select(s_nonEmpty, s_nonEmpty, s_nonEmpty, SocketJsonFuzzTests.s_string,
        (id, run, version, boot) => new AgentIdentity(id, run, version, boot.Length == 0 ? null : boot));

    [Fact]
    public void RandomSocketEvents_WriteSchemaValidLines()
    {
        Gen.Select(s_event.Array[1, 6], s_agent, SocketJsonFuzzTests.s_address.Array[0, 3], Gen.Long[0, long.MaxValue - 10]).Sample((events, agent, hostAddresses, sequence) =>
        {
            var directions = ConnectionDirectionResolver.FromSockets(events.Select(e => e.Socket).ToArray());
            foreach (var address in hostAddresses)
            {
                directions.AddHostAddress(address);
            }
            string[] lines = EventRecords.Write(w =>
            {
                for (int i = 0; i < events.Length; i++)
                {
                    w.WriteEvent(events[i], new EventStamp($"id-{sequence + i}", sequence + i), agent, TestRecords.Host, i % 2 == 0 ? directions : null);
                }
            });
            Assert.Equal(events.Length, lines.Length);
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void RandomHeartbeats_WriteSchemaValidLines()
    {
        Gen<Dictionary<string, long>> map = Gen.Select(SocketJsonFuzzTests.s_string, Gen.Long).Array[0, 5]
            .Select(pairs => pairs.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2));
        Gen.Select(Gen.Long, Gen.Long, Gen.Long, Gen.Double, Gen.Double, Gen.Long, map, map).Sample((uptime, cycles, tracked, last, avg, rss, events, counters) =>
        {
            var heartbeat = new HeartbeatRecord
            {
                Timestamp = TestRecords.Timestamp,
                Uptime = TimeSpan.FromTicks(uptime),
                Cycles = cycles,
                SocketsTracked = tracked,
                LastCollectionMilliseconds = last,
                AverageCollectionMilliseconds = avg,
                RssBytes = rss,
                Events = events,
                Counters = counters,
            };
            EventRecords.Write(w => w.WriteHeartbeat(heartbeat, EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host));
        }, iter: 300, threads: 1);
    }
}
