using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection.Redaction;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// Turns the kernel side's records into socket events: <c>opened</c> at ESTABLISHED (both ends) and at LISTEN,
/// <c>state_changed</c> between, <c>closed</c> at CLOSE with bytes each way, and a connect that never got through
/// as one <c>closed</c> with <c>event.outcome: failure</c>. Exec records fill the process cache on the way, in ring
/// order, so a connection's owner is resolved after its exec.
/// </summary>
internal sealed class TraceTranslator
{
    private readonly TracedProcessCache _processes;
    private readonly MonotonicClock _clock;
    // By cookie, from ESTABLISHED to CLOSE: which end the socket is, and its addresses as objects, so the transitions
    // in between (two or three per end) reuse them instead of allocating two IPAddress each.
    private readonly Dictionary<ulong, Connection> _connections = [];
    private readonly Dictionary<uint, NetworkNamespace> _namespaces = [];
    private readonly UdpFlowTracker _udp;

    public TraceTranslator(CommandLineRedactor redactor, TimeProvider time, IUdpFlowTable? udpFlows = null, TimeSpan? udpIdleTimeout = null)
    {
        _processes = new TracedProcessCache(redactor);
        _clock = new MonotonicClock(time);
        _udp = new UdpFlowTracker(_processes, _clock, Namespace, udpFlows, udpIdleTimeout ?? KernelTracerOptions.DefaultUdpIdleTimeout);
    }

    /// <summary>The UDP flows (opened by the records, ended by release records and <see cref="UdpFlowTracker.Sweep"/>).</summary>
    public UdpFlowTracker Udp => _udp;

    /// <summary>Processes the cache holds.</summary>
    public int ProcessesCached => _processes.Count;

    /// <summary>Owners whose command line could not be read.</summary>
    public long ArgumentsUnknown => _processes.ArgumentsUnknown;

    /// <summary>Half-open passive connections that ended before ESTABLISHED (no socket a process ever held).</summary>
    public long HalfOpenClosed { get; private set; }

    /// <summary>
    /// One record, in ring order: an exec or fork fills the process cache, a TCP transition may be an event (returned),
    /// a UDP record may open or close flows (a release closes every flow of its socket: added to <paramref name="udpEvents"/>).
    /// </summary>
    public TracedEvent? Translate(in TraceItem item, List<TracedEvent> udpEvents)
    {
        if (item.Exec is ExecInfo exec)
        {
            _processes.OnExec(exec);
            return null;
        }
        if (item.Fork is ForkInfo fork)
        {
            _processes.OnFork(fork);
            return null;
        }
        if (item.Udp is UdpTraceItem udp)
        {
            _udp.On(udp, udpEvents);
            return null;
        }
        return Translate(item.Tcp);
    }

    private TracedEvent? Translate(in TcpTraceRecord r)
    {
        var oldState = (KernelSocketState)r.OldState;
        var newState = (KernelSocketState)r.NewState;
        SocketEventAction action;
        Connection? connection = _connections.GetValueOrDefault(r.Cookie);
        ConnectionRole role = connection?.Role ?? ConnectionRole.Unknown;
        if (newState == KernelSocketState.Established && oldState is KernelSocketState.SynSent or KernelSocketState.SynRecv)
        {
            action = SocketEventAction.Opened;
            role = oldState == KernelSocketState.SynSent ? ConnectionRole.Client : ConnectionRole.Server;
            connection = new Connection(role);
            _connections[r.Cookie] = connection;
        }
        else if (newState == KernelSocketState.Listen)
        {
            action = SocketEventAction.Opened;
            role = ConnectionRole.Server;
        }
        else if (newState == KernelSocketState.Close)
        {
            _connections.Remove(r.Cookie);
            if (oldState == KernelSocketState.SynRecv)
            {
                HalfOpenClosed++;
                return null;
            }
            action = SocketEventAction.Closed;
            if (oldState == KernelSocketState.SynSent)
            {
                role = ConnectionRole.Client;
            }
        }
        else
        {
            action = SocketEventAction.StateChanged;
        }

        SocketRecord record = Record(r, newState, connection);
        ProcessInfo[] owners = r.Pid != 0 ? _processes.Owners((int)r.Pid, r.Uid, r.Comm) : [];
        var e = new SocketEvent
        {
            Action = action,
            Socket = record,
            Timestamp = _clock.ToWall(r.TimestampNs),
            PreviousState = action == SocketEventAction.StateChanged ? oldState : null,
            Owners = owners,
            FirstSeen = r.StartNs != 0 ? _clock.ToWall(r.StartNs) : null,
            Namespace = Namespace(r.Netns),
            Traffic = action == SocketEventAction.Closed && (r.Flags & TraceFlags.BytesKnown) != 0
                ? new SocketTraffic(r.BytesSent, r.BytesReceived, r.SegmentsOut, r.SegmentsIn)
                : null,
            Failure = action == SocketEventAction.Closed && oldState == KernelSocketState.SynSent ? Failure(r.Error) : null,
            Traced = true,
        };
        return new TracedEvent(e, role switch
        {
            ConnectionRole.Client => TracedDirections.Client,
            ConnectionRole.Server => TracedDirections.Server,
            _ => TracedDirections.Unknown,
        });
    }

    private static SocketRecord Record(in TcpTraceRecord r, KernelSocketState state, Connection? connection)
    {
        (AddressFamily family, IPAddress local, IPAddress remote) = connection is null ? Addresses(r) : connection.Addresses(r);
        return new SocketRecord
        {
            Transport = Transport.Tcp,
            Family = family,
            TableFamily = r.Family == 10 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
            State = state,
            LocalAddress = local,
            LocalPort = r.SourcePort,
            RemoteAddress = remote,
            RemotePort = r.DestinationPort,
            Uid = r.Uid,
            Cookie = r.Cookie,
        };
    }

    /// <summary>IPv4-mapped IPv6 addresses become IPv4, as every source reports them.</summary>
    private static (AddressFamily, IPAddress, IPAddress) Addresses(in TcpTraceRecord r)
    {
        ReadOnlySpan<byte> source = r.SourceAddress;
        ReadOnlySpan<byte> destination = r.DestinationAddress;
        if (r.Family == 2)
        {
            return (AddressFamily.InterNetwork, new IPAddress(source[..4]), new IPAddress(destination[..4]));
        }
        var local = new IPAddress(source);
        var remote = new IPAddress(destination);
        if (local.IsIPv4MappedToIPv6 && (remote.IsIPv4MappedToIPv6 || remote.Equals(IPAddress.IPv6Any)))
        {
            return (AddressFamily.InterNetwork, local.MapToIPv4(), remote.Equals(IPAddress.IPv6Any) ? IPAddress.Any : remote.MapToIPv4());
        }
        return (AddressFamily.InterNetworkV6, local, remote);
    }

    /// <summary>What the translator keeps of one connection between its ESTABLISHED and its CLOSE.</summary>
    private sealed class Connection(ConnectionRole role)
    {
        private Address16 _source;
        private Address16 _destination;
        private ushort _family;
        private (AddressFamily Family, IPAddress Local, IPAddress Remote)? _addresses;

        public ConnectionRole Role { get; } = role;

        /// <summary>The record's addresses: the objects made for the last record when its bytes are the same.</summary>
        public (AddressFamily, IPAddress, IPAddress) Addresses(in TcpTraceRecord r)
        {
            if (_addresses is { } known && r.Family == _family
                && ((ReadOnlySpan<byte>)r.SourceAddress).SequenceEqual(_source) && ((ReadOnlySpan<byte>)r.DestinationAddress).SequenceEqual(_destination))
            {
                return known;
            }
            _source = r.SourceAddress;
            _destination = r.DestinationAddress;
            _family = r.Family;
            (AddressFamily, IPAddress, IPAddress) made = TraceTranslator.Addresses(r);
            _addresses = made;
            return made;
        }
    }

    private NetworkNamespace Namespace(uint inode)
    {
        if (!_namespaces.TryGetValue(inode, out NetworkNamespace? ns))
        {
            ns = new NetworkNamespace { Inode = inode };
            _namespaces[inode] = ns;
        }
        return ns;
    }

    private static SocketFailure Failure(int errno) => errno switch
    {
        111 => new SocketFailure("ECONNREFUSED", "connection refused"),
        110 => new SocketFailure("ETIMEDOUT", "connection timed out"),
        104 => new SocketFailure("ECONNRESET", "connection reset by peer"),
        113 => new SocketFailure("EHOSTUNREACH", "no route to host"),
        101 => new SocketFailure("ENETUNREACH", "network is unreachable"),
        0 => new SocketFailure("ECONNABORTED", "connect abandoned before an answer"),
        _ => new SocketFailure($"E{errno}", $"error {errno}"),
    };
}
