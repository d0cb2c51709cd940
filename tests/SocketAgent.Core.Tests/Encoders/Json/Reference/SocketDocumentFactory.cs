using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Events;
using SocketAgent.Model;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// The encoder of socket lines before <see cref="SocketAgent.Encoders.Json.SocketLineEncoder"/>, kept as the test oracle:
/// document objects serialized by System.Text.Json's source generator, declaration order, nulls left out. The
/// hand-written encoder must produce the same bytes (<see cref="SocketLineEncoderIdentityTests"/>).
/// Builds the <see cref="SocketDocument"/> of one socket. Keeps small caches so a snapshot's documents share
/// what repeats: the <c>process</c> object of a process holding 5,000 sockets is built once, uid and timestamp
/// strings once. The process cache lives as long as one <see cref="SocketOwners"/> table (one snapshot).
/// Not thread-safe: one factory per writer.
/// </summary>
public sealed class SocketDocumentFactory
{
    public const string SocketDataset = "socket";
    public const string SnapshotAction = "snapshot";

    // Bounds the uid cache should a source report garbage uids.
    private const int MaxCachedUids = 4096;

    // Bounds the process cache of event lines (snapshot lines bound it by their owner table).
    private const int MaxCachedProcesses = 4096;

    private static readonly string[] s_ianaNumbers = CreateIanaNumbers();

    private readonly Dictionary<ProcessInfo, (ProcessFields Bare, ProcessFields WithUser)> _processes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<uint, UserFields> _users = [];
    private readonly DocumentFieldCache _common = new();
    private SocketOwners? _processesOwners;
    private readonly Func<uint, string?>? _userNames;
    private readonly FieldProfile _profile;

    /// <param name="profile">The detail of the lines (the agent's <c>--fields</c>).</param>
    /// <param name="userNames">
    /// uid → account name for sockets whose uid no holder process shares (or that have no holder), so
    /// <c>user.name</c> is there whenever netstat -e would print a name; null leaves those names out.
    /// </param>
    public SocketDocumentFactory(Func<uint, string?>? userNames = null, FieldProfile profile = FieldProfile.Default)
    {
        _userNames = userNames;
        _profile = profile;
    }

    /// <summary>
    /// The document for <paramref name="record"/>, with its holders looked up in <paramref name="owners"/>.
    /// </summary>
    /// <param name="networkNamespace">
    /// The namespace the socket was collected in, for <c>network.netns</c> and, when no holder names a container,
    /// <c>container.id</c>; null leaves both to the holders.
    /// </param>
    /// <param name="directions">
    /// Resolves <c>network.direction</c>, <c>source</c>, <c>destination</c>, <c>client</c> and <c>server</c>
    /// (<see cref="ConnectionDirectionResolver.FromSockets"/> of the snapshot); null leaves them out.
    /// </param>
    public SocketDocument Create(SocketRecord record, SocketOwners owners, HostIdentity host, DateTimeOffset timestamp, string action = SnapshotAction, NetworkNamespace? networkNamespace = null, IConnectionDirectionResolver? directions = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(owners);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(action);

        if (!ReferenceEquals(owners, _processesOwners))
        {
            // ProcessInfo objects belong to one snapshot; dropping them here bounds the cache to one snapshot.
            _processes.Clear();
            _processesOwners = owners;
        }

        EventFields fields = new() { Dataset = SocketDataset, Action = action };
        ApplyClassification(fields, action);
        return CreateCore(record, owners.Lookup(record.Inode), _common.GetHost(host), agent: null, timestamp, fields, networkNamespace, directions);
    }

    /// <summary>
    /// The line of one socket event: the socket as the event saw it, its owners (for a closed socket the last known),
    /// and the envelope (<c>event.id</c>, <c>event.sequence</c>, <c>agent</c>, <c>host.boot.id</c>).
    /// </summary>
    /// <param name="directions">The resolver of the socket's namespace; null leaves the direction fields out.</param>
    public SocketDocument CreateEvent(SocketEvent socketEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host, IConnectionDirectionResolver? directions = null)
    {
        ArgumentNullException.ThrowIfNull(socketEvent);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(socketEvent.Socket);

        if (_processesOwners is not null || _processes.Count >= MaxCachedProcesses)
        {
            // Events carry their own ProcessInfo objects (the daemon's per-process cache): a snapshot's table no
            // longer bounds the cache, so a size limit does.
            _processes.Clear();
            _processesOwners = null;
        }

        string action = socketEvent.Action.ToEcsName();
        var fields = new EventFields { Dataset = SocketDataset, Action = action };
        ApplyClassification(fields, action);
        fields.Stamp(stamp);

        SocketRecord record = socketEvent.Socket;
        if (socketEvent.Action == SocketEventAction.Closed)
        {
            fields.End = _common.GetTimestamp(socketEvent.Timestamp);
            if (socketEvent.FirstSeen is DateTimeOffset firstSeen)
            {
                fields.Start = RfcTimestamp.Format(firstSeen);
            }
            TimeSpan? duration = socketEvent.Duration ?? (socketEvent.FirstSeen is DateTimeOffset seen ? socketEvent.Timestamp - seen : null);
            if (duration is TimeSpan d)
            {
                // ECS event.duration is nanoseconds; a clock step backwards must not make it negative.
                fields.Duration = d.Ticks <= 0 ? 0 : d.Ticks > long.MaxValue / 100 ? long.MaxValue : d.Ticks * 100;
            }
        }

        SocketDocument document = CreateCore(
            record, socketEvent.Owners ?? [], _common.GetHost(host, agent.BootId), agent, socketEvent.Timestamp, fields, socketEvent.Namespace, directions);

        if (socketEvent.Action == SocketEventAction.StateChanged && socketEvent.PreviousState is KernelSocketState previous)
        {
            document.Socket.PreviousState = SocketStateNames.Netstat(record.Transport, previous);
        }
        if (socketEvent.Action == SocketEventAction.Closed)
        {
            document.Socket.SeenOpen = socketEvent.SeenOpen;
        }
        return document;
    }

    /// <summary>Sets <c>event.kind</c> and <c>event.type</c> for a socket action (ECS: <c>state</c>/<c>info</c> for snapshots).</summary>
    internal static void ApplyClassification(EventFields fields, string action)
    {
        (fields.Kind, fields.Type) = action switch
        {
            "opened" => (EventKinds.Event, EventFields.ConnectionStartType),
            "closed" => (EventKinds.Event, EventFields.ConnectionEndType),
            "state_changed" => (EventKinds.Event, EventFields.ConnectionChangeType),
            _ => (EventKinds.State, EventFields.InfoType),
        };
    }

    private SocketDocument CreateCore(
        SocketRecord record,
        IReadOnlyList<ProcessInfo> holders,
        HostFields host,
        AgentIdentity? agent,
        DateTimeOffset timestamp,
        EventFields fields,
        NetworkNamespace? networkNamespace,
        IConnectionDirectionResolver? directions)
    {
        bool full = _profile == FieldProfile.Full;
        UserFields? user = CreateUser(record, holders);
        ProcessFields? process = null;
        IReadOnlyList<ProcessFields>? processes = null;
        if (holders.Count > 0)
        {
            process = GetProcess(holders[0], user);
            if (holders.Count > 1)
            {
                var all = new ProcessFields[holders.Count];
                for (int i = 0; i < all.Length; i++)
                {
                    all[i] = GetProcess(holders[i], user);
                }
                processes = all;
            }
        }

        bool isUnix = record.Transport == Transport.Unix;
        ConnectionFlow flow = directions is null || isUnix ? ConnectionFlow.Unknown : directions.Resolve(record);
        CgroupIdentity? owner = holders.Count > 0 && holders[0].Cgroup is { IsContainerOrPod: true } own ? own : networkNamespace?.OwnerCgroup;

        var document = new SocketDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = fields,
            Host = host,
            Agent = _common.GetAgent(agent),
            Network = new NetworkFields
            {
                Transport = record.Transport.ToEcsName(),
                Type = record.Family switch
                {
                    AddressFamily.InterNetwork => "ipv4",
                    AddressFamily.InterNetworkV6 => "ipv6",
                    _ => null,
                },
                IanaNumber = record.Transport == Transport.Raw || full ? GetIanaNumber(record) : null,
                Direction = flow.Direction == ConnectionDirection.Listening ? null : flow.EcsName,
                CommunityId = CommunityId.Compute(record),
            },
            Netns = _common.GetNetns(networkNamespace),
            Socket = new SocketFields
            {
                State = SocketStateNames.Netstat(record.Transport, record.State),
                StateCode = full ? (int)record.State : null,
                Path = isUnix ? record.UnixPath : null,
                Unix = isUnix
                    ? new UnixFields { Type = GetUnixTypeName(record.UnixType), PeerInode = record.UnixPeerInode != 0 ? Signed64(record.UnixPeerInode) : null }
                    : null,
                // A signed 64-bit field (what a search cluster maps) cannot hold more: such a value is left out.
                Inode = Signed64(record.Inode),
                Cookie = record.Cookie is ulong cookie ? Signed64(cookie) : null,
                RecvQ = full || (_profile == FieldProfile.Default && record.RecvQueue != 0) ? Signed64(record.RecvQueue) : null,
                SendQ = full || (_profile == FieldProfile.Default && record.SendQueue != 0) ? Signed64(record.SendQueue) : null,
                Interface = record.InterfaceIndex != 0 ? new InterfaceFields { Index = record.InterfaceIndex } : null,
                RawProtocol = record.Transport == Transport.Raw && (uint)record.RawProtocol <= byte.MaxValue ? record.RawProtocol : null,
                TcpInfo = _profile != FieldProfile.Minimal && record.Transport == Transport.Tcp && record.State != KernelSocketState.Listen
                    && record.TcpInfo is TcpInfo tcpInfo ? new TcpInfoJson(tcpInfo, full) : null,
                Processes = processes,
            },
            User = user,
            Process = process,
            // The holder's own container or pod wins: containers of a pod share one namespace, so the namespace's
            // owner is only some process's, while the holder's is the socket's. Otherwise the namespace's owner names it.
            Container = owner?.ContainerId is { Length: > 0 } containerId
                ? new ContainerFields { Id = containerId, Runtime = owner.ContainerRuntime }
                : null,
            Orchestrator = owner?.PodUid is string podUid
                ? new OrchestratorFields { Type = "kubernetes", Resource = new OrchestratorResourceFields { Type = "pod", Id = podUid } }
                : null,
            Kubernetes = owner is { PodUid: not null, QosClass: string qos }
                ? new KubernetesFields { Pod = new KubernetesPodFields { QosClass = qos } }
                : null,
            Systemd = holders.Count > 0 && holders[0].Cgroup?.SystemdUnit is string unit
                ? new SystemdFields { Unit = unit, Slice = holders[0].Cgroup!.SystemdSlice }
                : null,
        };

        if (!isUnix)
        {
            ApplyFlow(document, record, flow);
        }
        return document;
    }

    /// <summary>
    /// The ends, once: a listener is ECS <c>server</c> (itself); any other inet socket is <c>source</c> and, when it has a
    /// peer address, <c>destination</c>, with <c>socket.local_end</c> saying which is this socket: the destination when
    /// it was accepted from a listener (a server-role socket with a peer), else the source.
    /// </summary>
    private static void ApplyFlow(SocketDocument document, SocketRecord record, ConnectionFlow flow)
    {
        EndpointFields local = CreateEndpoint(record.LocalAddress, record.LocalPort, record.Family);
        if (flow.Direction == ConnectionDirection.Listening)
        {
            document.Server = local;
            return;
        }
        // A port outside u16 is written as 0 (CreateEndpoint): such a peer with no address is no peer.
        EndpointFields? remote = (uint)record.RemotePort is 0 or > ushort.MaxValue && (record.RemoteAddress is null || record.RemoteAddress.Equals(IPAddress.Any) || record.RemoteAddress.Equals(IPAddress.IPv6Any))
            ? null
            : CreateEndpoint(record.RemoteAddress, record.RemotePort, record.Family);
        if (flow.LocalRole == ConnectionRole.Server && remote is not null)
        {
            document.Source = remote;
            document.Destination = local;
            document.Socket.LocalEnd = "destination";
        }
        else
        {
            document.Source = local;
            document.Destination = remote;
            document.Socket.LocalEnd = "source";
        }
    }

    private ProcessFields GetProcess(ProcessInfo info, UserFields? socketUser)
    {
        if (!_processes.TryGetValue(info, out (ProcessFields Bare, ProcessFields WithUser) both))
        {
            bool minimal = _profile == FieldProfile.Minimal;
            bool full = _profile == FieldProfile.Full;
            ProcessFields Create(UserFields? user) => new()
            {
                Pid = info.Pid,
                Name = info.Name,
                Args = minimal ? null : info.Args,
                ArgsCount = full ? info.Args.Count : null,
                CommandLine = full ? info.CommandLine : null,
                Executable = info.Executable,
                Parent = !minimal && info.ParentPid > 0
                    ? new ParentProcessFields { Pid = info.ParentPid, Name = info.ParentName, Executable = info.ParentExecutable }
                    : null,
                Start = full && info.StartTime is DateTimeOffset start ? RfcTimestamp.Format(start) : null,
                User = user,
            };
            var user = new UserFields { Id = GetUid(info.Uid), Name = info.UserName };
            both = (Create(null), Create(user));
            _processes.Add(info, both);
        }
        // The user is written once: inside process only when it is not the socket's.
        UserFields own = both.WithUser.User!;
        return socketUser is not null && socketUser.Id == own.Id && socketUser.Name == own.Name ? both.Bare : both.WithUser;
    }

    private UserFields? ProcessUser(ProcessInfo info)
    {
        if (!_processes.ContainsKey(info))
        {
            GetProcess(info, null);
        }
        return _processes[info].WithUser.User;
    }

    private UserFields? CreateUser(SocketRecord record, IReadOnlyList<ProcessInfo> holders)
    {
        if (record.Transport == Transport.Unix)
        {
            // Neither unix_diag (without UNIX_DIAG_UID) nor /proc/net/unix reports an owner uid, so the record's 0
            // means "unknown": use the holder's uid, as netstat users would read it.
            return holders.Count > 0 ? ProcessUser(holders[0]) : null;
        }

        if (record.Inode == 0)
        {
            // The kernel reports uid 0 for sockets no longer tied to a file (TIME_WAIT, SYN_RECV): unknown, not root.
            return null;
        }

        // The socket's uid is usually its holder's; only then is the holder's user name known to be the right one,
        // and the holder's cached user object can be shared.
        uint uid = record.Uid;
        for (int i = 0; i < holders.Count; i++)
        {
            if (holders[i].Uid == uid)
            {
                return ProcessUser(holders[i]);
            }
        }

        if (!_users.TryGetValue(uid, out UserFields? user))
        {
            user = new UserFields { Id = GetUid(uid), Name = _userNames?.Invoke(uid) };
            if (_users.Count < MaxCachedUids)
            {
                _users.Add(uid, user);
            }
        }
        return user;
    }

    private static ulong? Signed64(ulong value) => value <= long.MaxValue ? value : null;

    private string GetUid(uint uid) =>
        _users.TryGetValue(uid, out UserFields? user) ? user.Id : uid.ToString(CultureInfo.InvariantCulture);

    private static EndpointFields CreateEndpoint(IPAddress? address, int port, AddressFamily family) => new()
    {
        // No address is netstat's '*': the wildcard of the socket's family.
        Ip = address is null ? (family == AddressFamily.InterNetworkV6 ? "::" : "0.0.0.0") : FormatAddress(address),
        // A port outside u16 can only come from a broken source; 0 ("none") keeps the line within the contract.
        Port = (uint)port <= ushort.MaxValue ? port : 0,
    };

    private static string FormatAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            // Sources normalise these already; this keeps the promise if one does not.
            return address.MapToIPv4().ToString();
        }

        // ECS ip fields take no "%scope" suffix; the scope is socket.interface.index.
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            return new IPAddress(bytes).ToString();
        }
        return address.ToString();
    }

    private static string? GetIanaNumber(SocketRecord record) => record.Transport switch
    {
        Transport.Tcp => s_ianaNumbers[CommunityId.ProtocolTcp],
        Transport.Udp => s_ianaNumbers[CommunityId.ProtocolUdp],
        Transport.Raw when (uint)record.RawProtocol < (uint)s_ianaNumbers.Length => s_ianaNumbers[record.RawProtocol],
        _ => null,
    };

    private static string GetUnixTypeName(UnixSocketType type) => type switch
    {
        UnixSocketType.Stream => "stream",
        UnixSocketType.Dgram => "dgram",
        UnixSocketType.SeqPacket => "seqpacket",
        UnixSocketType.Raw => "raw",
        UnixSocketType.Rdm => "rdm",
        _ => "unknown",
    };

    private static string[] CreateIanaNumbers()
    {
        var numbers = new string[256];
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = i.ToString(CultureInfo.InvariantCulture);
        }
        return numbers;
    }
}
