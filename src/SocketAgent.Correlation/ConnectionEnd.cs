namespace SocketAgent.Correlation;

/// <summary>
/// What the events of one agent say about its end of a connection: who owns it, its addresses, when it opened and
/// closed, the TCP byte counters. Events may come in any order and more than once; every update is a merge that
/// gives the same result whatever the order (earliest start, latest end, largest counter, ingress wins). A connection's
/// first end is its <see cref="ConnectionEntry"/> (which derives from this), the far end one of these.
/// </summary>
internal class ConnectionEnd
{
    // The two addresses as loose fields, not two EndpointAddress values (24 bytes each, 19 of them used), their IPv6
    // bits and the four flags in one byte: 37 bytes instead of 52.
    private readonly ulong _localHigh, _localLow, _remoteHigh, _remoteLow;
    private readonly ushort _localPort, _remotePort;
    private Flags _flags;

    public ConnectionEnd(ref ObservedSocketEvent e, ProcessOwner.Table owners)
    {
        // The owner the event names, as Apply takes it for a new end (so Apply of this event finds it unchanged).
        bool namesProcess = e.ProcessName is not null || e.Pid != 0;
        Owner = owners.Get(
            e.AgentId!, e.NetnsInode, e.HostName, e.Pid, e.ProcessName, namesProcess ? e.CommandLine : null, namesProcess ? e.Args : null, e.Workload);
        (_localHigh, _localLow, _localPort) = (e.Local.High, e.Local.Low, e.Local.Port);
        (_remoteHigh, _remoteLow, _remotePort) = (e.Remote.High, e.Remote.Low, e.Remote.Port);
        _flags = (e.Local.IsV6 ? Flags.LocalIsV6 : 0) | (e.Remote.IsV6 ? Flags.RemoteIsV6 : 0);
        Start = e.Start != EventTimestamp.Unknown ? e.Start : e.Timestamp;
        End = EventTimestamp.Unknown;
        LastTimestamp = EventTimestamp.Unknown;
        BytesAcked = BytesReceived = PayloadSent = PayloadReceived = -1;
    }

    [Flags]
    private enum Flags : byte
    {
        LocalIsV6 = 1,
        RemoteIsV6 = 2,
        SaidIngress = 4,
        SaidEgress = 8,
        ReceivedFin = 16,
        SentFin = 32,
    }

    /// <summary>The agent that saw this end (kept in the owner: fixed for the end, shared by its process's ends).</summary>
    public byte[] AgentId => Owner.AgentId;

    public ulong NetnsInode => Owner.NetnsInode;

    public EndpointAddress Local => new(_localHigh, _localLow, _localPort, (_flags & Flags.LocalIsV6) != 0);
    public EndpointAddress Remote => new(_remoteHigh, _remoteLow, _remotePort, (_flags & Flags.RemoteIsV6) != 0);
    public byte[]? HostName => Owner.HostName;
    public long Start { get; private set; }

    /// <summary>When it closed (<c>event.end</c> of its closed event), or <see cref="EventTimestamp.Unknown"/> while open.</summary>
    public long End { get; private set; }

    public bool Closed => End != EventTimestamp.Unknown;

    /// <summary>Some event said ingress: the agent saw a listener on its local port, so this end is the server.</summary>
    public bool SaidIngress => (_flags & Flags.SaidIngress) != 0;

    public bool SaidEgress => (_flags & Flags.SaidEgress) != 0;

    public long BytesAcked { get; private set; }
    public long BytesReceived { get; private set; }

    /// <summary>Exact payload sent and received, from the kernel tracer's closed line (-1 when no line said).</summary>
    public long PayloadSent { get; private set; }
    public long PayloadReceived { get; private set; }

    /// <summary>Seen in a state after receiving the peer's FIN, which TCP counts as one byte of sequence space.</summary>
    public bool ReceivedFin => (_flags & Flags.ReceivedFin) != 0;

    /// <summary>Seen in a state after sending its FIN.</summary>
    public bool SentFin => (_flags & Flags.SentFin) != 0;

    public long LastTimestamp { get; private set; }
    /// <summary>Agent, namespace, host and process, shared with the other ends of that process.</summary>
    public ProcessOwner Owner { get; private set; }

    public int Pid => Owner.Pid;
    public byte[]? ProcessName => Owner.ProcessName;
    public byte[]? CommandLine => Owner.CommandLine;
    public byte[]? Args => Owner.Args;

    /// <summary>Whether the event is this agent's view of this same socket (same agent, namespace and 4-tuple).</summary>
    public bool IsSameEnd(ref ObservedSocketEvent e) =>
        Local == e.Local && Remote == e.Remote && NetnsInode == e.NetnsInode && AgentId.AsSpan().SequenceEqual(e.AgentId);

    /// <summary>Whether the event's socket can be the far end: another agent (or namespace), mirrored addresses.</summary>
    public bool Mirrors(ref ObservedSocketEvent e) =>
        Local == e.Remote && Remote == e.Local
        && (NetnsInode != e.NetnsInode || !AgentId.AsSpan().SequenceEqual(e.AgentId));

    /// <summary>Whether this end's life overlaps [<paramref name="start"/>, <paramref name="end"/>] (open: unbounded), give or take <paramref name="skew"/>.</summary>
    public bool Overlaps(long start, long end, long skew) => OverlapCheck(Start, End, start, end, skew);

    public static bool OverlapCheck(long start1, long end1, long start2, long end2, long skew)
    {
        long e1 = end1 == EventTimestamp.Unknown ? long.MaxValue : end1;
        long e2 = end2 == EventTimestamp.Unknown ? long.MaxValue : end2;
        return start1 <= SaturatingAdd(e2, skew) && start2 <= SaturatingAdd(e1, skew);
    }

    private static long SaturatingAdd(long value, long add) => value > long.MaxValue - add ? long.MaxValue : value + add;

    public void Apply(ref ObservedSocketEvent e, ProcessOwner.Table owners)
    {
        long start = e.Start != EventTimestamp.Unknown ? e.Start : e.Timestamp;
        if (start < Start)
        {
            Start = start;
        }
        if (e.Action == ObservedAction.Closed)
        {
            long end = e.End != EventTimestamp.Unknown ? e.End : e.Timestamp;
            if (end > End)
            {
                End = end;
            }
            _flags |= Flags.ReceivedFin | Flags.SentFin; // a normal close exchanges both FINs; a reset one is then counted one byte low
        }
        else if (e.Direction == ObservedDirection.Ingress)
        {
            _flags |= Flags.SaidIngress;
        }
        else if (e.Direction == ObservedDirection.Egress)
        {
            // A closed event says egress once the listener is gone: only the live events' direction counts.
            _flags |= Flags.SaidEgress;
        }
        if (e.Action == ObservedAction.Closed && e.Direction == ObservedDirection.Ingress)
        {
            _flags |= Flags.SaidIngress;
        }

        if (e.State is { } state)
        {
            ReadOnlySpan<byte> name = state.AsSpan().Trim((byte)'"');
            if (name.SequenceEqual("CLOSE_WAIT"u8) || name.SequenceEqual("LAST_ACK"u8) || name.SequenceEqual("CLOSING"u8) || name.SequenceEqual("TIME_WAIT"u8))
            {
                _flags |= Flags.ReceivedFin;
            }
            if (name.SequenceEqual("FIN_WAIT1"u8) || name.SequenceEqual("FIN_WAIT2"u8) || name.SequenceEqual("CLOSING"u8)
                || name.SequenceEqual("TIME_WAIT"u8) || name.SequenceEqual("LAST_ACK"u8))
            {
                _flags |= Flags.SentFin;
            }
        }

        // Counters only grow: the largest seen is the latest, whatever order the events came in.
        BytesAcked = Math.Max(BytesAcked, e.BytesAcked);
        BytesReceived = Math.Max(BytesReceived, e.BytesReceived);
        PayloadSent = Math.Max(PayloadSent, e.PayloadSent);
        PayloadReceived = Math.Max(PayloadReceived, e.PayloadReceived);

        // The owner and host from the newest event that names them (a closed event carries the last known owner).
        if (e.Timestamp >= LastTimestamp || ProcessName is null)
        {
            ProcessOwner owner = Owner;
            bool namesProcess = e.ProcessName is not null || e.Pid != 0;
            byte[]? hostName = e.HostName ?? owner.HostName;
            int pid = namesProcess ? e.Pid : owner.Pid;
            byte[]? processName = namesProcess ? e.ProcessName : owner.ProcessName;
            byte[]? commandLine = namesProcess ? e.CommandLine : owner.CommandLine;
            byte[]? args = namesProcess ? e.Args : owner.Args;
            // A socket no process holds (TIME_WAIT) still names its namespace's container: kept beside the last owner.
            byte[]? workload = namesProcess || e.Workload is not null ? e.Workload : owner.Workload;
            if (!owner.Is(hostName, pid, processName, commandLine, args, workload))
            {
                Owner = owners.Get(owner.AgentId, owner.NetnsInode, hostName, pid, processName, commandLine, args, workload);
            }
        }
        LastTimestamp = Math.Max(LastTimestamp, e.Timestamp);
    }
}
