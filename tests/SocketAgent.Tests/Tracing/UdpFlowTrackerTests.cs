using System.Net;
using SocketAgent.Collection.Redaction;
using SocketAgent.Collection.Tracing;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Tests.Tracing;

/// <summary>
/// The agent's side of UDP flows without a kernel: a fake flow map stands for the BPF one, so eviction, release and
/// the idle sweep are exercised exactly (the kernel tests cover the same paths with real sockets).
/// </summary>
public sealed class UdpFlowTrackerTests
{
    private sealed class FakeTable : IUdpFlowTable
    {
        public Dictionary<UdpFlowKey, UdpFlowCounters> Flows { get; } = [];

        public ulong NowNs { get; set; } = 1_000_000_000_000;

        public bool TryPeek(in UdpFlowKey key, out UdpFlowCounters counters) => Flows.TryGetValue(key, out counters);

        public bool TryTake(in UdpFlowKey key, out UdpFlowCounters counters) => Flows.Remove(key, out counters);
    }

    private static readonly ulong s_second = 1_000_000_000;

    private static UdpTraceItem Open(ulong cookie, ushort remotePort, ulong atNs, bool receivedFirst = false)
    {
        var r = new UdpOpenTraceRecord
        {
            RecordKind = UdpOpenTraceRecord.Kind,
            Pid = (uint)Environment.ProcessId,
            TimestampNs = atNs,
            Cookie = cookie,
            Netns = 4026531833,
            Flags = TraceFlags.OwnerKnown | (receivedFirst ? TraceFlags.UdpReceivedFirst : TraceFlags.None),
            Family = 2,
            RemoteFamily = 2,
            SourcePort = 5353,
            DestinationPort = remotePort,
        };
        Span<byte> local = r.SourceAddress;
        Span<byte> remote = r.DestinationAddress;
        IPAddress.Loopback.GetAddressBytes().CopyTo(local);
        IPAddress.Loopback.GetAddressBytes().CopyTo(remote);
        return new UdpTraceItem { Open = r };
    }

    private static (UdpFlowTracker, FakeTable, List<TracedEvent>) Make(TimeSpan idle)
    {
        var table = new FakeTable();
        var namespaces = new Dictionary<uint, NetworkNamespace>();
        var tracker = new UdpFlowTracker(new TracedProcessCache(CommandLineRedactor.Default), new MonotonicClock(TimeProvider.System),
            inode => namespaces.TryGetValue(inode, out NetworkNamespace? ns) ? ns : namespaces[inode] = new NetworkNamespace { Inode = inode },
            table, idle);
        return (tracker, table, []);
    }

    private static void Count(FakeTable table, UdpTraceItem item, ulong lastNs, ulong bytesOut, ulong bytesIn)
    {
        table.Flows[UdpFlowKey.Of(item.Open)] = new UdpFlowCounters
        {
            StartNs = item.Open.TimestampNs, LastNs = lastNs, BytesOut = bytesOut, BytesIn = bytesIn,
            PacketsOut = bytesOut > 0 ? 1UL : 0, PacketsIn = bytesIn > 0 ? 1UL : 0,
        };
    }

    [Fact]
    public void A_release_closes_every_flow_of_the_socket_with_its_counts_and_a_flow_the_map_lost_without_them()
    {
        (UdpFlowTracker tracker, FakeTable table, List<TracedEvent> events) = Make(TimeSpan.FromSeconds(60));
        ulong t0 = table.NowNs;
        UdpTraceItem a = Open(7, 53, t0);
        UdpTraceItem b = Open(7, 54, t0 + 10, receivedFirst: true);
        UdpTraceItem other = Open(8, 53, t0 + 20);
        tracker.On(a, events);
        tracker.On(b, events);
        tracker.On(other, events);
        Count(table, a, t0 + 100, bytesOut: 40, bytesIn: 400);
        Count(table, other, t0 + 100, bytesOut: 1, bytesIn: 0);
        // b's entry is gone (evicted).
        tracker.On(new UdpTraceItem { IsRelease = true, ReleasedCookie = 7, ReleasedNs = t0 + s_second }, events);

        Assert.Equal(5, events.Count);
        Assert.All(events.Take(3), static e => Assert.Equal(SocketEventAction.Opened, e.Event.Action));
        Assert.Same(TracedDirections.Server, events[1].Directions);
        TracedEvent closedA = events.Single(e => e.Event.Action == SocketEventAction.Closed && e.Event.Socket.RemotePort == 53);
        Assert.Equal(new SocketTraffic(40, 400, 1, 1), closedA.Event.Traffic);
        Assert.Equal(TimeSpan.FromSeconds(1), closedA.Event.Duration);
        TracedEvent closedB = events.Single(e => e.Event.Action == SocketEventAction.Closed && e.Event.Socket.RemotePort == 54);
        Assert.Null(closedB.Event.Traffic);
        Assert.Equal(1, tracker.Evicted);
        Assert.Equal(1, tracker.ClosedReleased);
        Assert.Equal(1, tracker.Open);
        Assert.Single(table.Flows); // the other socket's flow is untouched
    }

    [Fact]
    public void The_sweep_closes_idle_flows_at_their_last_datagram_and_flows_the_map_evicted_and_leaves_the_active()
    {
        (UdpFlowTracker tracker, FakeTable table, List<TracedEvent> events) = Make(TimeSpan.FromSeconds(10));
        ulong t0 = table.NowNs;
        UdpTraceItem idle = Open(1, 53, t0);
        UdpTraceItem active = Open(1, 54, t0);
        UdpTraceItem evicted = Open(2, 53, t0);
        foreach (UdpTraceItem item in new[] { idle, active, evicted })
        {
            tracker.On(item, events);
        }
        Count(table, idle, t0 + s_second, bytesOut: 5, bytesIn: 6);
        Count(table, active, t0 + 10 * s_second, bytesOut: 7, bytesIn: 0);
        events.Clear();

        table.NowNs = t0 + 11 * s_second;
        tracker.Sweep(events);

        Assert.Equal(2, events.Count);
        TracedEvent closedIdle = events.Single(e => e.Event.Socket.Cookie == 1);
        Assert.Equal(new SocketTraffic(5, 6, 1, 1), closedIdle.Event.Traffic);
        Assert.Equal(TimeSpan.FromSeconds(1), closedIdle.Event.Duration); // first to last datagram
        Assert.Null(events.Single(e => e.Event.Socket.Cookie == 2).Event.Traffic);
        Assert.Equal(1, tracker.ClosedIdle);
        Assert.Equal(1, tracker.Evicted);
        Assert.Equal(1, tracker.Open);

        // Swept at most every tenth of the timeout: a second sweep at once does nothing.
        events.Clear();
        table.NowNs += s_second / 2;
        tracker.Sweep(events);
        Assert.Empty(events);
    }

    [Fact]
    public void A_flow_opened_again_by_the_kernel_side_was_evicted_it_is_closed_without_counts_then_opened()
    {
        (UdpFlowTracker tracker, FakeTable table, List<TracedEvent> events) = Make(TimeSpan.FromSeconds(60));
        ulong t0 = table.NowNs;
        tracker.On(Open(3, 53, t0), events);
        tracker.On(Open(3, 53, t0 + s_second), events);

        Assert.Equal([SocketEventAction.Opened, SocketEventAction.Closed, SocketEventAction.Opened], events.Select(static e => e.Event.Action));
        Assert.Null(events[1].Event.Traffic);
        Assert.Equal(1, tracker.Evicted);
        Assert.Equal(1, tracker.Open);
    }

    [Fact]
    public void A_dual_stack_socket_talking_to_an_ipv4_peer_is_reported_as_ipv4()
    {
        (UdpFlowTracker tracker, FakeTable _, List<TracedEvent> events) = Make(TimeSpan.FromSeconds(60));
        UdpTraceItem item = Open(4, 53, 1);
        item.Open.Family = 10;
        Span<byte> local = item.Open.SourceAddress;
        local.Clear(); // bound to ::
        tracker.On(item, events);

        SocketRecord socket = Assert.Single(events).Event.Socket;
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, socket.Family);
        Assert.Equal(IPAddress.Any, socket.LocalAddress);
        Assert.Equal(IPAddress.Loopback, socket.RemoteAddress);
        Assert.Equal(Transport.Udp, socket.Transport);
    }
}
