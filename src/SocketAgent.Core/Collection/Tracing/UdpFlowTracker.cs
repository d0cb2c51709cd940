using System.Net;
using System.Net.Sockets;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// UDP flows from the kernel side's records: a flow is one socket (cookie) and one remote endpoint. It is
/// <c>opened</c> by its first datagram, either way (the open record: process, addresses, namespace), and
/// <c>closed</c> — with bytes and datagrams each way, read from the kernel side's flow map and removed from it — when
/// its socket is released (the release record) or when no datagram passed for the idle timeout (the sweep).
/// A flow the map evicted (full) is closed without counts and counted (<see cref="Evicted"/>).
/// </summary>
/// <remarks>
/// Flows do not go through the socket differ: its identity is the cookie (one socket, one life), and an unconnected
/// UDP socket has many flows. The tracer is their only source, so there is nothing to reconcile.
/// </remarks>
internal sealed class UdpFlowTracker
{
    private readonly TracedProcessCache _processes;
    private readonly MonotonicClock _clock;
    private readonly Func<uint, NetworkNamespace> _namespace;
    private readonly IUdpFlowTable? _table;
    private readonly ulong _idleNs;
    private readonly ulong _sweepEveryNs;
    private readonly Dictionary<UdpFlowKey, Flow> _flows = [];
    private readonly Dictionary<ulong, List<UdpFlowKey>> _byCookie = [];
    private readonly List<UdpFlowKey> _expired = [];
    private ulong _lastSweepNs;

    public UdpFlowTracker(TracedProcessCache processes, MonotonicClock clock, Func<uint, NetworkNamespace> @namespace, IUdpFlowTable? table, TimeSpan idleTimeout)
    {
        _processes = processes;
        _clock = clock;
        _namespace = @namespace;
        _table = table;
        _idleNs = (ulong)Math.Max(1, idleTimeout.Ticks) * 100;
        // Often enough that a flow ends within a tenth of the timeout after it, never more than once a second.
        _sweepEveryNs = Math.Min(_idleNs / 10, 1_000_000_000UL);
    }

    /// <summary>Flows open now.</summary>
    public int Open => _flows.Count;

    /// <summary>Flows closed because their socket was released.</summary>
    public long ClosedReleased { get; private set; }

    /// <summary>Flows closed after the idle timeout.</summary>
    public long ClosedIdle { get; private set; }

    /// <summary>Flows the kernel side's map evicted before they ended (map full): closed without counts.</summary>
    public long Evicted { get; private set; }

    private sealed class Flow(SocketEvent opened, TracedDirections directions)
    {
        public SocketEvent Opened { get; } = opened;
        public TracedDirections Directions { get; } = directions;
    }

    public void On(UdpTraceItem item, List<TracedEvent> into)
    {
        if (item.IsRelease)
        {
            Release(item.ReleasedCookie, item.ReleasedNs, into);
        }
        else
        {
            Opened(item.Open, into);
        }
    }

    private void Opened(in UdpOpenTraceRecord r, List<TracedEvent> into)
    {
        UdpFlowKey key = UdpFlowKey.Of(r);
        if (_flows.ContainsKey(key))
        {
            // The kernel side opened it again: its entry was evicted since (only the agent removes entries otherwise).
            Evict(key, into);
        }
        (AddressFamily family, IPAddress local, IPAddress remote) = Addresses(r);
        DateTimeOffset start = _clock.ToWall(r.TimestampNs);
        ProcessInfo[] owners = r.Pid != 0 ? [_processes.Resolve((int)r.Pid, r.Uid, KernelTracer.CommText(r.Comm))] : [];
        var e = new SocketEvent
        {
            Action = SocketEventAction.Opened,
            Socket = new SocketRecord
            {
                Transport = Transport.Udp,
                Family = family,
                TableFamily = r.Family == 10 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
                State = KernelSocketState.Established,
                LocalAddress = local,
                LocalPort = r.SourcePort,
                RemoteAddress = remote,
                RemotePort = r.DestinationPort,
                Uid = r.Uid,
                Cookie = r.Cookie,
            },
            Timestamp = start,
            Owners = owners,
            FirstSeen = start,
            Namespace = _namespace(r.Netns),
            Traced = true,
        };
        // Who sent the first datagram is the flow's source (client); a flow opened by a datagram received, the server.
        TracedDirections directions = (r.Flags & TraceFlags.UdpReceivedFirst) != 0 ? TracedDirections.Server : TracedDirections.Client;
        _flows[key] = new Flow(e, directions);
        if (!_byCookie.TryGetValue(r.Cookie, out List<UdpFlowKey>? keys))
        {
            keys = [];
            _byCookie[r.Cookie] = keys;
        }
        keys.Add(key);
        into.Add(new TracedEvent(e, directions));
    }

    private void Release(ulong cookie, ulong atNs, List<TracedEvent> into)
    {
        if (!_byCookie.Remove(cookie, out List<UdpFlowKey>? keys))
        {
            return;
        }
        foreach (UdpFlowKey key in keys)
        {
            if (!_flows.Remove(key, out Flow? flow))
            {
                continue;
            }
            if (_table is not null && _table.TryTake(key, out UdpFlowCounters counters))
            {
                ClosedReleased++;
                into.Add(Closed(flow, _clock.ToWall(atNs), counters));
            }
            else
            {
                Evicted++;
                into.Add(Closed(flow, _clock.ToWall(atNs), null));
            }
        }
    }

    /// <summary>
    /// Ends the flows idle for the timeout (at their last datagram) and those the map evicted. Runs at most every
    /// tenth of the timeout (and at least once a second), from the drain.
    /// </summary>
    public void Sweep(List<TracedEvent> into)
    {
        if (_table is null || _flows.Count == 0)
        {
            return;
        }
        ulong now = _table.NowNs;
        if (now - _lastSweepNs < _sweepEveryNs)
        {
            return;
        }
        _lastSweepNs = now;
        _expired.Clear();
        foreach (KeyValuePair<UdpFlowKey, Flow> pair in _flows)
        {
            if (!_table.TryPeek(pair.Key, out UdpFlowCounters counters) || now - counters.LastNs >= _idleNs)
            {
                _expired.Add(pair.Key);
            }
        }
        foreach (UdpFlowKey key in _expired)
        {
            // Taken atomically: every datagram before it is in the counts; one after it opens the flow again.
            if (_table.TryTake(key, out UdpFlowCounters counters))
            {
                Flow flow = Forget(key);
                ClosedIdle++;
                into.Add(Closed(flow, _clock.ToWall(counters.LastNs), counters));
            }
            else
            {
                Evict(key, into);
            }
        }
    }

    private Flow Forget(UdpFlowKey key)
    {
        _flows.Remove(key, out Flow? flow);
        if (_byCookie.TryGetValue(key.Cookie, out List<UdpFlowKey>? keys))
        {
            keys.Remove(key);
            if (keys.Count == 0)
            {
                _byCookie.Remove(key.Cookie);
            }
        }
        return flow!;
    }

    private void Evict(UdpFlowKey key, List<TracedEvent> into)
    {
        Flow flow = Forget(key);
        Evicted++;
        into.Add(Closed(flow, _clock.ToWall(_table?.NowNs ?? 0), null));
    }

    private static TracedEvent Closed(Flow flow, DateTimeOffset at, UdpFlowCounters? counters)
    {
        SocketEvent opened = flow.Opened;
        DateTimeOffset start = opened.Timestamp;
        var e = new SocketEvent
        {
            Action = SocketEventAction.Closed,
            Socket = opened.Socket,
            Timestamp = at,
            Owners = opened.Owners,
            FirstSeen = start,
            Duration = at >= start ? at - start : TimeSpan.Zero,
            Namespace = opened.Namespace,
            Traffic = counters is UdpFlowCounters c ? new SocketTraffic(c.BytesOut, c.BytesIn, c.PacketsOut, c.PacketsIn) : null,
            Traced = true,
        };
        return new TracedEvent(e, flow.Directions);
    }

    /// <summary>IPv4-mapped IPv6 addresses become IPv4, as every source reports them.</summary>
    private static (AddressFamily, IPAddress, IPAddress) Addresses(in UdpOpenTraceRecord r)
    {
        ReadOnlySpan<byte> source = r.SourceAddress;
        ReadOnlySpan<byte> destination = r.DestinationAddress;
        IPAddress local = r.Family == 2 ? new IPAddress(source[..4]) : new IPAddress(source);
        IPAddress remote = r.RemoteFamily == 2 ? new IPAddress(destination[..4]) : new IPAddress(destination);
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }
        if (remote.AddressFamily == AddressFamily.InterNetwork)
        {
            // A dual-stack socket talking IPv4: its local address is IPv4 too (or the wildcard).
            if (local.IsIPv4MappedToIPv6)
            {
                local = local.MapToIPv4();
            }
            else if (local.Equals(IPAddress.IPv6Any))
            {
                local = IPAddress.Any;
            }
            if (local.AddressFamily == AddressFamily.InterNetwork)
            {
                return (AddressFamily.InterNetwork, local, remote);
            }
            return (AddressFamily.InterNetworkV6, local, remote.MapToIPv6());
        }
        return (AddressFamily.InterNetworkV6, local, remote);
    }
}
