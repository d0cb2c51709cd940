using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Collection.Containers;
using SocketAgent.Events;
using SocketAgent.Encoders.Netstat;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes the JSON document of one socket (dataset <c>socket</c>: snapshot lines and opened/closed/state_changed
/// events) straight from the records, with no document objects in between: the daemon writes hundreds of thousands
/// of these per second at peak, so a line costs no allocation once the caches are warm. What repeats across lines is
/// encoded once and copied as UTF-8: a process's object (its args and command line are the longest strings of a line),
/// the socket owner's <c>user</c>, <c>host</c>, <c>agent</c>, <c>network.netns</c> and the timestamp.
/// </summary>
/// <remarks>
/// Members are written in the schema's order (<c>socket-agent.schema.json</c> is the contract); optional members
/// that do not apply are left out, never written as null. Not thread-safe: one encoder per writer.
/// </remarks>
internal sealed partial class SocketLineEncoder
{
    // Bounds the per-process and per-uid caches should a source report garbage.
    private const int MaxCachedProcesses = 4096;
    private const int MaxCachedUids = 4096;

    // Longest IPv6 text (45 characters) with room to spare.
    private const int MaxIpLength = 64;

    private readonly Dictionary<ProcessInfo, ProcessFragments> _processes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<uint, byte[]> _users = [];
    private readonly Func<uint, string?>? _userNames;
    private readonly FieldProfile _profile;
    private readonly IContainerDirectory? _containers;
    private readonly ArrayBufferWriter<byte> _fragmentBuffer = new(512);
    private readonly Utf8JsonWriter _fragmentWriter;
    private SocketOwners? _processesOwners;

    private DateTimeOffset _timestamp;
    private readonly byte[] _timestampText = new byte[RfcTimestamp.Length];
    private bool _hasTimestamp;

    private HostIdentity? _host;
    private string? _bootId;
    private byte[]? _hostJson;

    private AgentIdentity? _agent;
    private byte[]? _agentJson;

    private NetworkNamespace? _namespace;
    private byte[]? _netnsJson;

    private readonly byte[] _communityId = new byte[CommunityId.MaxUtf8Length];
    private readonly CommunityIdCache _communityIds = new();
    private readonly FlowFragmentCache _flowFragments = new();
    private int _communityIdLength;
    // The namespace owner's container and pod members, and what its runtime may still name.
    private byte[]? _namespaceOwnerMembers;
    private Unnamed _namespaceOwnerUnnamed;

    /// <summary>The <c>network.community_id</c> of the last line written (UTF-8); empty when it had none.</summary>
    public ReadOnlySpan<byte> LastCommunityId => _communityId.AsSpan(0, _communityIdLength);

    /// <param name="userNames">
    /// uid → account name for sockets whose uid no holder process shares (or that have no holder), so
    /// <c>user.name</c> is there whenever netstat -e would print a name; null leaves those names out.
    /// </param>
    /// <param name="profile">How much detail a line carries.</param>
    /// <param name="containers">Names containers by id (Docker Engine); null writes ids and runtimes only.</param>
    public SocketLineEncoder(Func<uint, string?>? userNames = null, FieldProfile profile = FieldProfile.Default, IContainerDirectory? containers = null)
    {
        _userNames = userNames;
        _profile = profile;
        _containers = containers;
        _fragmentWriter = new Utf8JsonWriter(_fragmentBuffer, JsonLinesWriter.WriterOptions);
    }

    /// <summary>
    /// Writes the snapshot line of <paramref name="record"/> (no envelope: no <c>event.id</c>, no <c>agent</c>),
    /// with its holders looked up in <paramref name="owners"/>.
    /// </summary>
    public void WriteSnapshotLine(
        Utf8JsonWriter writer, SocketRecord record, SocketOwners owners, HostIdentity host, DateTimeOffset timestamp,
        string action, NetworkNamespace? networkNamespace, IConnectionDirectionResolver? directions)
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

        IReadOnlyList<ProcessInfo> holders = owners.Lookup(record.Inode);
        writer.WriteStartObject();
        WriteTimestamp(writer, s_timestamp, timestamp);

        writer.WriteStartObject(s_event);
        writer.WriteString(s_dataset, s_socketDataset);
        writer.WriteString(s_action, action);
        WriteClassification(writer, action switch
        {
            "opened" => SocketEventAction.Opened,
            "closed" => SocketEventAction.Closed,
            "state_changed" => SocketEventAction.StateChanged,
            _ => SocketEventAction.Snapshot,
        });
        writer.WriteEndObject();

        writer.WritePropertyName(s_host);
        writer.WriteRawValue(GetHost(host, bootId: null), skipInputValidation: true);

        WriteSocketBody(writer, record, holders, networkNamespace, directions, socketEvent: null);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the line of one socket event: the socket as the event saw it, its owners (for a closed socket the last
    /// known), and the envelope (<c>event.id</c>, <c>event.sequence</c>, <c>agent</c>, <c>host.boot.id</c>).
    /// </summary>
    public void WriteEventLine(
        Utf8JsonWriter writer, SocketEvent socketEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host,
        IConnectionDirectionResolver? directions)
    {
        ArgumentNullException.ThrowIfNull(socketEvent);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(socketEvent.Socket);
        if (!stamp.HasId)
        {
            throw new ArgumentException("The event stamp has no id.", nameof(stamp));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(stamp.Sequence, nameof(stamp));

        if (_processesOwners is not null || _processes.Count >= MaxCachedProcesses)
        {
            // Events carry their own ProcessInfo objects (the daemon's per-process cache): a snapshot's table no
            // longer bounds the cache, so a size limit does.
            _processes.Clear();
            _processesOwners = null;
        }

        SocketEventAction action = socketEvent.Action;
        writer.WriteStartObject();
        WriteTimestamp(writer, s_timestamp, socketEvent.Timestamp);

        writer.WriteStartObject(s_event);
        writer.WriteString(s_dataset, s_socketDataset);
        writer.WriteString(s_action, action switch
        {
            SocketEventAction.Snapshot => s_snapshot,
            SocketEventAction.Opened => s_opened,
            SocketEventAction.Closed => s_closed,
            SocketEventAction.StateChanged => s_stateChanged,
            _ => s_unknownName,
        });
        WriteClassification(writer, action);
        if (stamp.Uuid != Guid.Empty)
        {
            Span<byte> id = stackalloc byte[36];
            stamp.Uuid.TryFormat(id, out int written);
            writer.WriteString(s_id, id[..written]);
        }
        else
        {
            writer.WriteString(s_id, stamp.Id);
        }
        writer.WriteNumber(s_sequence, stamp.Sequence);
        if (action == SocketEventAction.Closed)
        {
            TimeSpan? duration = socketEvent.Duration ?? (socketEvent.FirstSeen is DateTimeOffset seen ? socketEvent.Timestamp - seen : null);
            if (duration is TimeSpan d)
            {
                // ECS event.duration is nanoseconds; a clock step backwards must not make it negative.
                writer.WriteNumber(s_duration, d.Ticks <= 0 ? 0 : d.Ticks > long.MaxValue / 100 ? long.MaxValue : d.Ticks * 100);
            }
            if (socketEvent.FirstSeen is DateTimeOffset firstSeen)
            {
                Span<byte> start = stackalloc byte[RfcTimestamp.Length];
                RfcTimestamp.Format(firstSeen, start);
                writer.WriteString(s_start, start);
            }
            WriteTimestamp(writer, s_end, socketEvent.Timestamp);
            if (socketEvent.Failure is not null)
            {
                writer.WriteString(s_outcome, s_failure);
            }
        }
        writer.WriteEndObject();

        writer.WritePropertyName(s_host);
        writer.WriteRawValue(GetHost(host, agent.BootId), skipInputValidation: true);
        writer.WritePropertyName(s_agent);
        writer.WriteRawValue(GetAgent(agent), skipInputValidation: true);

        WriteSocketBody(writer, socketEvent.Socket, socketEvent.Owners ?? [], socketEvent.Namespace, directions, socketEvent);
        writer.WriteEndObject();
    }

    /// <summary><c>event.kind</c>, <c>event.category</c> and <c>event.type</c> of a socket action (ECS: <c>state</c>/<c>info</c> for snapshots).</summary>
    private static void WriteClassification(Utf8JsonWriter writer, SocketEventAction action)
    {
        bool change = action is SocketEventAction.Opened or SocketEventAction.Closed or SocketEventAction.StateChanged;
        writer.WriteString(s_kind, change ? s_eventKind : s_stateKind);
        writer.WriteStartArray(s_category);
        writer.WriteStringValue(s_networkCategory);
        writer.WriteEndArray();
        writer.WriteStartArray(s_type);
        if (change)
        {
            writer.WriteStringValue(s_connection);
            // ECS pairs category network with start and end but not change: a state change is a connection event.
            if (action != SocketEventAction.StateChanged)
            {
                writer.WriteStringValue(action == SocketEventAction.Opened ? s_connectionStart : s_connectionEnd);
            }
        }
        else
        {
            writer.WriteStringValue(s_info);
        }
        writer.WriteEndArray();
    }

    /// <summary>
    /// Everything after <c>agent</c>: <c>network</c>, <c>netns</c>, the flow's ends, <c>socket</c>, <c>user</c>,
    /// <c>process</c>, <c>container</c>, <c>error</c>.
    /// </summary>
    private void WriteSocketBody(
        Utf8JsonWriter writer, SocketRecord record, IReadOnlyList<ProcessInfo> holders, NetworkNamespace? networkNamespace,
        IConnectionDirectionResolver? directions, SocketEvent? socketEvent)
    {
        bool isUnix = record.Transport == Transport.Unix;
        ConnectionFlow flow = directions is null || isUnix ? ConnectionFlow.Unknown : directions.Resolve(record);

        SocketTraffic? traffic = socketEvent?.Traffic;
        LocalEnd localEnd;
        if (socketEvent is not null && traffic is null && !isUnix && record.Cookie is ulong cookie and not 0)
        {
            // An event of a socket written moments ago (the tracer's opened and state changes): its flow members are
            // the same bytes as then.
            FlowFragmentCache.Entry fragment = _flowFragments.Find(cookie, record, flow, networkNamespace)
                ?? EncodeFlowFragment(cookie, record, flow, networkNamespace);
            writer.WriteRawValue(fragment.Members, skipInputValidation: true);
            fragment.CommunityIdUtf8.CopyTo(_communityId);
            _communityIdLength = fragment.CommunityIdUtf8.Length;
            localEnd = (LocalEnd)fragment.LocalEnd;
        }
        else
        {
            localEnd = WriteFlowMembers(writer, record, flow, traffic, networkNamespace, isUnix);
        }

        writer.WriteStartObject(s_socket);
        WriteState(writer, s_state, record.Transport, record.State);
        if (socketEvent is { Action: SocketEventAction.StateChanged, PreviousState: KernelSocketState previous })
        {
            WriteState(writer, s_previousState, record.Transport, previous);
        }
        if (_profile == FieldProfile.Full)
        {
            writer.WriteNumber(s_stateCode, (int)record.State);
        }
        switch (localEnd)
        {
            case LocalEnd.Source: writer.WriteString(s_localEnd, s_source); break;
            case LocalEnd.Destination: writer.WriteString(s_localEnd, s_destination); break;
        }
        if (isUnix)
        {
            if (record.UnixPath is string path)
            {
                writer.WriteString(s_path, path);
            }
            writer.WriteStartObject(s_unix);
            writer.WriteString(s_type, UnixTypeName(record.UnixType));
            if (record.UnixPeerInode != 0)
            {
                KernelValues.Write(writer, s_peerInode, record.UnixPeerInode);
            }
            writer.WriteEndObject();
        }
        KernelValues.Write(writer, s_inode, record.Inode);
        KernelValues.Write(writer, s_cookie, record.Cookie);
        // Default leaves out an empty queue (absent means 0), full writes both as netstat prints them.
        if (_profile == FieldProfile.Full || (_profile == FieldProfile.Default && record.RecvQueue != 0))
        {
            KernelValues.Write(writer, s_recvQ, record.RecvQueue);
        }
        if (_profile == FieldProfile.Full || (_profile == FieldProfile.Default && record.SendQueue != 0))
        {
            KernelValues.Write(writer, s_sendQ, record.SendQueue);
        }
        if (record.InterfaceIndex != 0)
        {
            writer.WriteStartObject(s_interface);
            writer.WriteNumber(s_index, record.InterfaceIndex);
            writer.WriteEndObject();
        }
        if (record.Transport == Transport.Raw && (uint)record.RawProtocol <= byte.MaxValue)
        {
            writer.WriteNumber(s_rawProtocol, record.RawProtocol);
        }
        // A listener has no peer: its tcp_info is all zeros and initial values, nothing to chart.
        if (_profile != FieldProfile.Minimal && record.Transport == Transport.Tcp && record.State != KernelSocketState.Listen
            && record.TcpInfo is TcpInfo tcpInfo)
        {
            TcpInfoJsonWriter.Write(writer, s_tcpInfo, tcpInfo, _profile);
        }
        if (socketEvent is { Action: SocketEventAction.Closed })
        {
            writer.WriteBoolean(s_seenOpen, socketEvent.SeenOpen);
        }

        byte[]? user = GetUser(record, holders);
        if (holders.Count > 1)
        {
            writer.WriteStartArray(s_processes);
            for (int i = 0; i < holders.Count; i++)
            {
                writer.WriteRawValue(GetProcess(holders[i]).For(user), skipInputValidation: true);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();

        if (user is not null)
        {
            writer.WritePropertyName(s_user);
            writer.WriteRawValue(user, skipInputValidation: true);
        }
        if (holders.Count > 0)
        {
            writer.WritePropertyName(s_process);
            writer.WriteRawValue(GetProcess(holders[0]).For(user), skipInputValidation: true);
        }

        // The holder's own container or pod wins: containers of a pod share one namespace, so the namespace's owner
        // is only some process's, while the holder's is the socket's. A socket without a holder (TIME_WAIT, a process
        // in another pid namespace) or held by a host process that entered the namespace is named by its owner.
        byte[]? cgroupMembers = holders.Count > 0 ? GetProcess(holders[0]).Cgroup : null;
        if (!(holders.Count > 0 && holders[0].Cgroup is { IsContainerOrPod: true })
            && networkNamespace is not null && GetNamespace(networkNamespace).OwnerMembers is byte[] ownerMembers)
        {
            writer.WriteRawValue(ownerMembers, skipInputValidation: true);
        }
        if (cgroupMembers is not null)
        {
            // container, orchestrator, kubernetes, systemd: encoded once per process, written as members.
            writer.WriteRawValue(cgroupMembers, skipInputValidation: true);
        }

        if (socketEvent?.Failure is SocketFailure failure)
        {
            writer.WriteStartObject(s_error);
            writer.WriteString(s_code, failure.Code);
            writer.WriteString(s_message, failure.Message);
            writer.WriteEndObject();
        }
    }

    /// <summary><c>network</c>, <c>netns</c>, and the flow's ends (none for a UNIX socket).</summary>
    private LocalEnd WriteFlowMembers(
        Utf8JsonWriter writer, SocketRecord record, ConnectionFlow flow, SocketTraffic? traffic, NetworkNamespace? networkNamespace, bool isUnix)
    {
        WriteNetwork(writer, record, flow, traffic);
        if (networkNamespace is not null && KernelValues.Fits(networkNamespace.Inode))
        {
            writer.WritePropertyName(s_netns);
            writer.WriteRawValue(GetNamespace(networkNamespace).Netns, skipInputValidation: true);
        }
        return isUnix ? LocalEnd.None : WriteFlow(writer, record, flow, traffic);
    }

    /// <summary>Encodes the flow members of a socket event without traffic counts and keeps them for its next lines.</summary>
    private FlowFragmentCache.Entry EncodeFlowFragment(ulong cookie, SocketRecord record, ConnectionFlow flow, NetworkNamespace? networkNamespace)
    {
        // GetNamespace may encode with the fragment writer too: done before the fragment starts.
        if (networkNamespace is not null)
        {
            GetNamespace(networkNamespace);
        }
        Utf8JsonWriter w = StartFragment();
        w.WriteStartObject();
        LocalEnd localEnd = WriteFlowMembers(w, record, flow, traffic: null, networkNamespace, isUnix: false);
        w.WriteEndObject();
        return _flowFragments.Add(cookie, record, flow, networkNamespace, FragmentMembers(), LastCommunityId, (byte)localEnd);
    }

    private void WriteNetwork(Utf8JsonWriter writer, SocketRecord record, ConnectionFlow flow, SocketTraffic? traffic)
    {
        _communityIdLength = 0;
        writer.WriteStartObject(s_network);
        writer.WriteString(s_transport, record.Transport switch
        {
            Transport.Tcp => s_tcp,
            Transport.Udp => s_udp,
            Transport.Raw => s_raw,
            Transport.Unix => s_unix,
            _ => s_unknownName,
        });
        if (record.Family == AddressFamily.InterNetwork)
        {
            writer.WriteString(s_type, s_ipv4);
        }
        else if (record.Family == AddressFamily.InterNetworkV6)
        {
            writer.WriteString(s_type, s_ipv6);
        }

        // network.transport says the same for TCP and UDP: the number is for raw sockets, and for everyone in full.
        int iana = record.Transport switch
        {
            Transport.Tcp when _profile == FieldProfile.Full => CommunityId.ProtocolTcp,
            Transport.Udp when _profile == FieldProfile.Full => CommunityId.ProtocolUdp,
            Transport.Raw when (uint)record.RawProtocol <= byte.MaxValue => record.RawProtocol,
            _ => -1,
        };
        if (iana >= 0)
        {
            Span<byte> digits = stackalloc byte[3];
            ((byte)iana).TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
            writer.WriteString(s_ianaNumber, digits[..written]);
        }

        // ECS allows ingress, egress, inbound, outbound, internal, external, unknown: a listener has no traffic yet, so
        // no direction (its server end and state LISTEN say what it is).
        switch (flow.Direction)
        {
            case ConnectionDirection.Ingress: writer.WriteString(s_direction, s_ingress); break;
            case ConnectionDirection.Egress: writer.WriteString(s_direction, s_egress); break;
            case ConnectionDirection.Internal: writer.WriteString(s_direction, s_internal); break;
        }

        // Kept for the line's routing metadata (the Kafka flow topic's key): the outputs need not parse it back.
        if (_communityIds.TryFormat(record, _communityId, out int communityIdLength))
        {
            _communityIdLength = communityIdLength;
            writer.WriteString(s_communityId, _communityId.AsSpan(0, communityIdLength));
        }

        if (traffic is SocketTraffic t)
        {
            // ECS network.bytes / network.packets: both directions together.
            writer.WriteNumber(s_bytes, t.BytesSent + t.BytesReceived);
            writer.WriteNumber(s_packets, t.PacketsSent + t.PacketsReceived);
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// The socket's two ends, once: ECS <c>source</c> (who initiated) and <c>destination</c> (to whom), or for a listener
    /// (and an unconnected UDP socket) ECS <c>server</c>, itself, since it has no peer yet. Which of source and
    /// destination is this socket is <c>socket.local_end</c>: the server end for a connection accepted from a listener,
    /// else the source (an internal connection whose ends no listener explains, an unresolved direction). An end with
    /// no address and no port (an unconnected socket's peer) is left out.
    /// </summary>
    /// <remarks>With <paramref name="traffic"/> (a closed connection the tracer saw), ECS <c>source.bytes</c> is what the
    /// source end sent and <c>destination.bytes</c> what the destination end sent, likewise for packets.</remarks>
    private static LocalEnd WriteFlow(Utf8JsonWriter writer, SocketRecord record, ConnectionFlow flow, SocketTraffic? traffic)
    {
        Span<byte> localIp = stackalloc byte[MaxIpLength];
        localIp = localIp[..IpText.FormatEndpoint(record.LocalAddress, record.Family, localIp)];
        // A port outside u16 can only come from a broken source; 0 ("none") keeps the line within the contract.
        int localPort = (uint)record.LocalPort <= ushort.MaxValue ? record.LocalPort : 0;
        if (flow.Direction == ConnectionDirection.Listening)
        {
            WriteEndpoint(writer, s_server, localIp, localPort);
            return LocalEnd.None;
        }

        Span<byte> remoteIp = stackalloc byte[MaxIpLength];
        remoteIp = remoteIp[..IpText.FormatEndpoint(record.RemoteAddress, record.Family, remoteIp)];
        int remotePort = (uint)record.RemotePort <= ushort.MaxValue ? record.RemotePort : 0;
        bool hasRemote = remotePort != 0 || !NetstatAddressText.IsUnspecified(record.RemoteAddress);

        SocketTraffic? local = traffic;
        SocketTraffic? remote = traffic is SocketTraffic t ? new SocketTraffic(t.BytesReceived, t.BytesSent, t.PacketsReceived, t.PacketsSent) : null;
        if (flow.LocalRole == ConnectionRole.Server && hasRemote)
        {
            WriteEndpoint(writer, s_source, remoteIp, remotePort, remote);
            WriteEndpoint(writer, s_destination, localIp, localPort, local);
            return LocalEnd.Destination;
        }
        WriteEndpoint(writer, s_source, localIp, localPort, local);
        if (hasRemote)
        {
            WriteEndpoint(writer, s_destination, remoteIp, remotePort, remote);
        }
        return LocalEnd.Source;
    }

    private static void WriteEndpoint(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> ip, int port, SocketTraffic? sent = null)
    {
        writer.WriteStartObject(name);
        writer.WriteString(s_ip, ip);
        writer.WriteNumber(s_port, port);
        if (sent is SocketTraffic t)
        {
            writer.WriteNumber(s_bytes, t.BytesSent);
            writer.WriteNumber(s_packets, t.PacketsSent);
        }
        writer.WriteEndObject();
    }

    private static void WriteState(Utf8JsonWriter writer, JsonEncodedText name, Transport transport, KernelSocketState state)
    {
        if (transport == Transport.Raw)
        {
            // netstat prints a raw socket's state as its number (SocketStateNames.Netstat): formatted here, not allocated.
            Span<byte> digits = stackalloc byte[11];
            ((int)state).TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
            writer.WriteString(name, digits[..written]);
            return;
        }
        writer.WriteString(name, SocketStateNames.Netstat(transport, state));
    }

    private void WriteTimestamp(Utf8JsonWriter writer, JsonEncodedText name, DateTimeOffset timestamp)
    {
        // A cycle's events and a snapshot's lines share one timestamp: formatted once.
        if (!_hasTimestamp || timestamp != _timestamp || timestamp.Offset != _timestamp.Offset)
        {
            RfcTimestamp.Format(timestamp, _timestampText);
            _timestamp = timestamp;
            _hasTimestamp = true;
        }
        writer.WriteString(name, _timestampText);
    }

    private byte[] GetHost(HostIdentity host, string? bootId)
    {
        if (_hostJson is null || !ReferenceEquals(host, _host) || !string.Equals(bootId, _bootId, StringComparison.Ordinal))
        {
            Utf8JsonWriter w = StartFragment();
            w.WriteStartObject();
            w.WriteString(s_name, host.Name);
            if (host.Id is string id)
            {
                w.WriteString(s_id, id);
            }
            if (bootId is { Length: > 0 })
            {
                w.WriteStartObject(s_boot);
                w.WriteString(s_id, bootId);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            _hostJson = TakeFragment();
            _host = host;
            _bootId = bootId;
        }
        return _hostJson;
    }

    private byte[] GetAgent(AgentIdentity agent)
    {
        // Records compare by value: a daemon passing an equal identity keeps the cached bytes.
        if (_agentJson is null || !(ReferenceEquals(agent, _agent) || agent.Equals(_agent)))
        {
            Utf8JsonWriter w = StartFragment();
            w.WriteStartObject();
            w.WriteString(s_id, agent.Id);
            w.WriteString(s_ephemeralId, agent.EphemeralId);
            w.WriteString(s_version, agent.Version);
            w.WriteString(s_type, AgentFields.AgentType);
            w.WriteEndObject();
            _agentJson = TakeFragment();
            _agent = agent;
        }
        return _agentJson;
    }

    private (byte[] Netns, byte[]? OwnerMembers) GetNamespace(NetworkNamespace ns)
    {
        // Records compare by value, so an equal namespace re-read for the next cycle keeps the cached bytes. Encoded
        // while the runtime could not name the owner's container: asked again, and encoded again once named.
        if (_netnsJson is null || !(ReferenceEquals(ns, _namespace) || ns.Equals(_namespace)) || NamedNow(ref _namespaceOwnerUnnamed))
        {
            Utf8JsonWriter w = StartFragment();
            w.WriteStartObject();
            w.WriteNumber(s_inode, ns.Inode);
            if (ns.Name is { Length: > 0 } name)
            {
                w.WriteString(s_name, name);
            }
            w.WriteEndObject();
            _netnsJson = TakeFragment();

            // Only what can own a namespace: a host service's unit is the holder's to say, never the namespace's.
            _namespaceOwnerMembers = EncodeCgroup(ns.OwnerCgroup, out _namespaceOwnerUnnamed, withSystemd: false);
            _namespace = ns;
        }
        return (_netnsJson, _namespaceOwnerMembers);
    }

    private ProcessFragments GetProcess(ProcessInfo info)
    {
        if (_processes.TryGetValue(info, out ProcessFragments? fragments))
        {
            // Encoded before the runtime could name its container or pod: asked again (cheap: the directory answers
            // from its timers), and encoded again once it names them.
            Unnamed unnamed = fragments.Unnamed;
            if (unnamed.IsEmpty)
            {
                return fragments;
            }
            if (!NamedNow(ref unnamed))
            {
                if (!unnamed.Equals(fragments.Unnamed))
                {
                    fragments = fragments with { Unnamed = unnamed }; // what it gave up on is not asked again
                    _processes[info] = fragments;
                }
                return fragments;
            }
            _processes.Remove(info);
        }

        Utf8JsonWriter w = StartFragment();
        WriteUser(w, info.Uid, info.UserName);
        byte[] user = TakeFragment();

        // Encoded without and with process.user: a line writes the user once, so process.user only when it is not
        // the socket's (ProcessFragments.For).
        byte[]? cgroup = EncodeCgroup(info.Cgroup, out Unnamed pending);
        fragments = new ProcessFragments(EncodeProcess(info, user: null), EncodeProcess(info, user), user, cgroup) { Unnamed = pending };
        _processes.Add(info, fragments);
        return fragments;
    }

    /// <summary>
    /// The members a process's cgroup gives a line, without the enclosing braces: ECS <c>container</c> (id, runtime),
    /// ECS <c>orchestrator</c> (the Kubernetes pod), <c>kubernetes.pod.qos_class</c> and <c>systemd</c> (unit, slice);
    /// null when the cgroup names none of them.
    /// </summary>
    /// <param name="unnamed">The container and pod the runtime could not name yet but may name later.</param>
    /// <param name="withSystemd">Whether the systemd unit and slice are written (not for a namespace's owner).</param>
    private byte[]? EncodeCgroup(CgroupIdentity? cgroup, out Unnamed unnamed, bool withSystemd = true)
    {
        unnamed = default;
        if (cgroup is null || (cgroup.ContainerId is not { Length: > 0 } && cgroup.PodUid is null && (cgroup.SystemdUnit is null || !withSystemd)))
        {
            return null;
        }
        Utf8JsonWriter w = StartFragment();
        w.WriteStartObject();
        ContainerDetails? details = null;
        if (cgroup.ContainerId is { Length: > 0 } id)
        {
            w.WriteStartObject(s_container);
            w.WriteString(s_id, id);
            if (cgroup.ContainerRuntime is string runtime)
            {
                w.WriteString(s_runtime, runtime);
            }
            details = _containers?.Find(id);
            if (details is not null)
            {
                WriteContainerDetails(w, details);
            }
            else if (_containers?.MayNameLater(id) == true)
            {
                unnamed = unnamed with { ContainerId = id };
            }
            w.WriteEndObject();
        }
        // The cgroup path is the kernel's word for the pod; the pod list adds its names, by the container or, for a
        // container it does not list (the pod's sandbox, owner of its network namespace), by the pod's uid.
        PodDetails? pod = details?.Pod ?? (cgroup.PodUid is string uid ? _containers?.FindPod(uid) : null);
        if (pod is null && cgroup.PodUid is string unnamedPod && _containers?.MayNameLater(unnamedPod) == true)
        {
            unnamed = unnamed with { PodUid = unnamedPod };
        }
        if ((cgroup.PodUid ?? pod?.Uid) is string podUid)
        {
            w.WriteStartObject(s_orchestrator);
            w.WriteString(s_type, s_kubernetes);
            if (pod is not null)
            {
                w.WriteString(s_namespace, pod.Namespace);
            }
            w.WriteStartObject(s_resource);
            w.WriteString(s_type, s_pod);
            if (pod is not null)
            {
                w.WriteString(s_name, pod.Name);
            }
            w.WriteString(s_id, podUid);
            w.WriteEndObject();
            w.WriteEndObject();
            WriteKubernetes(w, podUid, cgroup.QosClass, pod);
        }
        if (withSystemd && cgroup.SystemdUnit is string unit)
        {
            w.WriteStartObject(s_systemd);
            w.WriteString(s_unit, unit);
            if (cgroup.SystemdSlice is string slice)
            {
                w.WriteString(s_slice, slice);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        return FragmentMembers().ToArray();
    }

    /// <summary>
    /// <c>kubernetes.*</c> as Elastic's <c>add_kubernetes_metadata</c> writes it (<c>kubernetes.pod.name</c>,
    /// <c>.uid</c>, <c>kubernetes.namespace</c>, <c>kubernetes.node.name</c>, <c>kubernetes.labels</c>), with the
    /// QoS class from the cgroup path; only the QoS class when the pod list could not name the pod.
    /// </summary>
    private static void WriteKubernetes(Utf8JsonWriter w, string podUid, string? qos, PodDetails? pod)
    {
        if (pod is null && qos is null)
        {
            return;
        }
        w.WriteStartObject(s_kubernetes);
        w.WriteStartObject(s_pod);
        if (pod is not null)
        {
            w.WriteString(s_name, pod.Name);
            w.WriteString(s_uid, podUid);
        }
        if (qos is not null)
        {
            w.WriteString(s_qosClass, qos);
        }
        w.WriteEndObject();
        if (pod is not null)
        {
            w.WriteString(s_namespace, pod.Namespace);
            if (pod.NodeName is string node)
            {
                w.WriteStartObject(s_node);
                w.WriteString(s_name, node);
                w.WriteEndObject();
            }
            if (pod.Labels.Count > 0)
            {
                w.WriteStartObject(s_labels);
                foreach ((string key, string value) in pod.Labels.OrderBy(static l => l.Key, StringComparer.Ordinal))
                {
                    // De-dotted as add_kubernetes_metadata does by default: app.kubernetes.io/name beside app would
                    // otherwise be an object and a keyword at the same path in Elasticsearch.
                    w.WriteString(key.Replace('.', '_'), value);
                }
                w.WriteEndObject();
            }
        }
        w.WriteEndObject();
    }

    /// <summary>ECS <c>container.name</c>, <c>container.image.name</c>/<c>tag</c>, <c>container.labels</c>, as the runtime names them.</summary>
    private static void WriteContainerDetails(Utf8JsonWriter w, ContainerDetails details)
    {
        if (details.Name is { Length: > 0 } name)
        {
            w.WriteString(s_name, name);
        }
        if (details.ImageName is { Length: > 0 } image)
        {
            w.WriteStartObject(s_image);
            w.WriteString(s_name, image);
            if (details.ImageTag is { Length: > 0 } tag)
            {
                // ECS container.image.tag is an array of keywords.
                w.WriteStartArray(s_tag);
                w.WriteStringValue(tag);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        if (details.Labels.Count > 0)
        {
            w.WriteStartObject(s_labels);
            foreach ((string key, string value) in details.Labels.OrderBy(static l => l.Key, StringComparer.Ordinal))
            {
                w.WriteString(key, value);
            }
            w.WriteEndObject();
        }
    }

    private static readonly JsonEncodedText s_image = JsonEncodedText.Encode("image");
    private static readonly JsonEncodedText s_tag = JsonEncodedText.Encode("tag");
    private static readonly JsonEncodedText s_labels = JsonEncodedText.Encode("labels");
    private static readonly JsonEncodedText s_runtime = JsonEncodedText.Encode("runtime");
    private static readonly JsonEncodedText s_orchestrator = JsonEncodedText.Encode("orchestrator");
    private static readonly JsonEncodedText s_resource = JsonEncodedText.Encode("resource");
    private static readonly JsonEncodedText s_kubernetes = JsonEncodedText.Encode("kubernetes");
    private static readonly JsonEncodedText s_pod = JsonEncodedText.Encode("pod");
    private static readonly JsonEncodedText s_qosClass = JsonEncodedText.Encode("qos_class");
    private static readonly JsonEncodedText s_uid = JsonEncodedText.Encode("uid");
    private static readonly JsonEncodedText s_node = JsonEncodedText.Encode("node");
    private static readonly JsonEncodedText s_namespace = JsonEncodedText.Encode("namespace");
    private static readonly JsonEncodedText s_systemd = JsonEncodedText.Encode("systemd");
    private static readonly JsonEncodedText s_unit = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText s_slice = JsonEncodedText.Encode("slice");

    /// <summary>The <c>process</c> object of <paramref name="info"/> as the profile asks, with <paramref name="user"/> as its <c>user</c> when given.</summary>
    private byte[] EncodeProcess(ProcessInfo info, byte[]? user)
    {
        Utf8JsonWriter w = StartFragment();
        w.WriteStartObject();
        w.WriteNumber(s_pid, info.Pid);
        w.WriteString(s_name, info.Name);
        if (_profile != FieldProfile.Minimal)
        {
            w.WriteStartArray(s_args);
            for (int i = 0; i < info.Args.Count; i++)
            {
                w.WriteStringValue(info.Args[i]);
            }
            w.WriteEndArray();
        }
        if (_profile == FieldProfile.Full)
        {
            // ECS's count of process.args: the array's length says the same.
            w.WriteNumber(s_argsCount, info.Args.Count);
        }
        if (_profile == FieldProfile.Full && info.CommandLine is string commandLine)
        {
            w.WriteString(s_commandLine, commandLine);
        }
        if (info.Executable is string executable)
        {
            w.WriteString(s_executable, executable);
        }
        if (_profile != FieldProfile.Minimal && info.ParentPid > 0)
        {
            w.WriteStartObject(s_parent);
            w.WriteNumber(s_pid, info.ParentPid);
            if (info.ParentName is string parentName)
            {
                w.WriteString(s_name, parentName);
            }
            if (info.ParentExecutable is string parentExecutable)
            {
                w.WriteString(s_executable, parentExecutable);
            }
            w.WriteEndObject();
        }
        // What tells a reused pid apart in a long history; the event's own time and pid usually do.
        if (_profile == FieldProfile.Full && info.StartTime is DateTimeOffset startTime)
        {
            Span<byte> start = stackalloc byte[RfcTimestamp.Length];
            RfcTimestamp.Format(startTime, start);
            w.WriteString(s_start, start);
        }
        if (user is not null)
        {
            w.WritePropertyName(s_user);
            w.WriteRawValue(user, skipInputValidation: true);
        }
        w.WriteEndObject();
        return TakeFragment();
    }

    /// <summary>
    /// <c>user</c> of the socket. A UNIX socket's is its holder's: neither unix_diag (without UNIX_DIAG_UID) nor
    /// /proc/net/unix reports an owner uid, so the record's 0 means "unknown". An inet socket no longer tied to a file
    /// (TIME_WAIT, SYN_RECV) has none: the kernel's uid 0 means unknown, not root. Otherwise the socket's uid, with the
    /// name of a holder running as that uid, else the account name of the uid.
    /// </summary>
    private byte[]? GetUser(SocketRecord record, IReadOnlyList<ProcessInfo> holders)
    {
        if (record.Transport == Transport.Unix)
        {
            return holders.Count > 0 ? GetProcess(holders[0]).User : null;
        }
        if (record.Inode == 0)
        {
            return null;
        }

        uint uid = record.Uid;
        for (int i = 0; i < holders.Count; i++)
        {
            if (holders[i].Uid == uid)
            {
                return GetProcess(holders[i]).User;
            }
        }

        if (!_users.TryGetValue(uid, out byte[]? user))
        {
            Utf8JsonWriter w = StartFragment();
            WriteUser(w, uid, _userNames?.Invoke(uid));
            user = TakeFragment();
            if (_users.Count < MaxCachedUids)
            {
                _users.Add(uid, user);
            }
        }
        return user;
    }

    private static void WriteUser(Utf8JsonWriter writer, uint uid, string? name)
    {
        writer.WriteStartObject();
        // ECS user.id is a keyword: the uid as a string.
        Span<byte> digits = stackalloc byte[10];
        uid.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
        writer.WriteString(s_id, digits[..written]);
        if (name is not null)
        {
            writer.WriteString(s_name, name);
        }
        writer.WriteEndObject();
    }

    private Utf8JsonWriter StartFragment()
    {
        _fragmentBuffer.ResetWrittenCount();
        _fragmentWriter.Reset();
        return _fragmentWriter;
    }

    private byte[] TakeFragment()
    {
        _fragmentWriter.Flush();
        return _fragmentBuffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The fragment written as one object, without its braces: members that a line takes in as one raw value (the
    /// writer, which skips validation, puts the commas around it).
    /// </summary>
    private ReadOnlySpan<byte> FragmentMembers()
    {
        _fragmentWriter.Flush();
        return _fragmentBuffer.WrittenSpan[1..^1];
    }

    private static JsonEncodedText UnixTypeName(UnixSocketType type) => type switch
    {
        UnixSocketType.Stream => s_stream,
        UnixSocketType.Dgram => s_dgram,
        UnixSocketType.SeqPacket => s_seqpacket,
        UnixSocketType.Raw => s_raw,
        UnixSocketType.Rdm => s_rdm,
        _ => s_unknownName,
    };

    private static readonly JsonEncodedText s_stream = JsonEncodedText.Encode("stream");
    private static readonly JsonEncodedText s_dgram = JsonEncodedText.Encode("dgram");
    private static readonly JsonEncodedText s_seqpacket = JsonEncodedText.Encode("seqpacket");
    private static readonly JsonEncodedText s_rdm = JsonEncodedText.Encode("rdm");

    /// <summary>
    /// The encoded <c>process</c> object of one holder without and with <c>process.user</c>, and its <c>user</c> object
    /// (also the socket's, usually).
    /// </summary>
    /// <summary>
    /// Whether what <paramref name="unnamed"/> holds is named now (then it must be encoded again); what the runtime will
    /// not name any more is dropped from it, so it is not asked again.
    /// </summary>
    private bool NamedNow(ref Unnamed unnamed)
    {
        if (unnamed.IsEmpty)
        {
            return false;
        }
        if ((unnamed.ContainerId is string id && _containers!.Find(id) is not null)
            || (unnamed.PodUid is string uid && _containers!.FindPod(uid) is not null))
        {
            return true;
        }
        unnamed = new Unnamed(
            unnamed.ContainerId is string c && _containers!.MayNameLater(c) ? c : null,
            unnamed.PodUid is string p && _containers!.MayNameLater(p) ? p : null);
        return false;
    }

    /// <summary>A container id and a pod uid encoded without the names their runtime could not give yet.</summary>
    private readonly record struct Unnamed(string? ContainerId = null, string? PodUid = null)
    {
        public bool IsEmpty => ContainerId is null && PodUid is null;
    }

    private sealed record ProcessFragments(byte[] Process, byte[] ProcessWithUser, byte[] User, byte[]? Cgroup)
    {
        /// <summary>What was encoded without the names its runtime could not give then (empty: nothing).</summary>
        public Unnamed Unnamed { get; init; }

        /// <summary>The process object for a line whose <c>user</c> is <paramref name="socketUser"/>: the user is written once.</summary>
        public byte[] For(byte[]? socketUser) =>
            socketUser is not null && (ReferenceEquals(socketUser, User) || socketUser.AsSpan().SequenceEqual(User)) ? Process : ProcessWithUser;
    }

    /// <summary>Which ECS end of the flow the socket is (<c>socket.local_end</c>).</summary>
    private enum LocalEnd : byte
    {
        None,
        Source,
        Destination,
    }
}
