using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Output.Json;

/// <summary>
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

    private static readonly string[] s_ianaNumbers = CreateIanaNumbers();

    private readonly Dictionary<ProcessInfo, ProcessFields> _processes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<uint, UserFields> _users = [];
    private readonly DocumentFieldCache _common = new();
    private SocketOwners? _processesOwners;
    private readonly Func<uint, string?>? _userNames;

    /// <param name="userNames">
    /// uid → account name for sockets whose uid no holder process shares (or that have no holder), so
    /// <c>user.name</c> is there whenever netstat -e would print a name; null leaves those names out.
    /// </param>
    public SocketDocumentFactory(Func<uint, string?>? userNames = null) => _userNames = userNames;

    /// <summary>
    /// The document for <paramref name="record"/>, with its holders looked up in <paramref name="owners"/>.
    /// </summary>
    /// <param name="networkNamespace">
    /// The namespace the socket was collected in, for <c>network.netns</c> and, when no holder names a container,
    /// <c>container.id</c>; null leaves both to the holders.
    /// </param>
    public SocketDocument Create(SocketRecord record, SocketOwners owners, HostIdentity host, DateTimeOffset timestamp, string action = SnapshotAction, NetworkNamespace? networkNamespace = null)
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
        ProcessFields? process = null;
        IReadOnlyList<ProcessFields>? processes = null;
        if (holders.Count > 0)
        {
            process = GetProcess(holders[0]);
            if (holders.Count > 1)
            {
                var all = new ProcessFields[holders.Count];
                for (int i = 0; i < all.Length; i++)
                {
                    all[i] = GetProcess(holders[i]);
                }
                processes = all;
            }
        }

        bool isUnix = record.Transport == Transport.Unix;
        return new SocketDocument
        {
            Timestamp = _common.GetTimestamp(timestamp),
            Event = new EventFields { Dataset = SocketDataset, Action = action },
            Host = _common.GetHost(host),
            Network = new NetworkFields
            {
                Transport = record.Transport.ToEcsName(),
                Type = record.Family switch
                {
                    AddressFamily.InterNetwork => "ipv4",
                    AddressFamily.InterNetworkV6 => "ipv6",
                    _ => null,
                },
                IanaNumber = GetIanaNumber(record),
                CommunityId = CommunityId.Compute(record),
                Netns = _common.GetNetns(networkNamespace),
            },
            Socket = new SocketFields
            {
                State = SocketStateNames.Netstat(record.Transport, record.State),
                StateCode = (int)record.State,
                Local = isUnix ? null : CreateEndpoint(record.LocalAddress, record.LocalPort, record.Family),
                Remote = isUnix ? null : CreateEndpoint(record.RemoteAddress, record.RemotePort, record.Family),
                Path = isUnix ? record.UnixPath : null,
                Unix = isUnix
                    ? new UnixFields { Type = GetUnixTypeName(record.UnixType), PeerInode = record.UnixPeerInode != 0 ? record.UnixPeerInode : null }
                    : null,
                Inode = record.Inode,
                Cookie = record.Cookie,
                RecvQ = record.RecvQueue,
                SendQ = record.SendQueue,
                Interface = record.InterfaceIndex != 0 ? new InterfaceFields { Index = record.InterfaceIndex } : null,
                RawProtocol = record.Transport == Transport.Raw && (uint)record.RawProtocol <= byte.MaxValue ? record.RawProtocol : null,
                TcpInfo = record.Transport == Transport.Tcp && record.TcpInfo is TcpInfo tcpInfo ? new TcpInfoJson(tcpInfo) : null,
                Processes = processes,
            },
            User = CreateUser(record, holders),
            Process = process,
            // The holder's own container wins: containers of a pod share one namespace, so the namespace's container is
            // only some process's, while the holder's is the socket's.
            Container = holders.Count > 0 && holders[0].ContainerId is { Length: > 0 } containerId
                ? new ContainerFields { Id = containerId }
                : _common.GetNamespaceContainer(networkNamespace),
        };
    }

    private ProcessFields GetProcess(ProcessInfo info)
    {
        if (!_processes.TryGetValue(info, out ProcessFields? fields))
        {
            fields = new ProcessFields
            {
                Pid = info.Pid,
                Name = info.Name,
                Args = info.Args,
                ArgsCount = info.Args.Count,
                CommandLine = info.CommandLine,
                Executable = info.Executable,
                Parent = info.ParentPid > 0 ? new ParentProcessFields { Pid = info.ParentPid } : null,
                Start = info.StartTime is DateTimeOffset start ? RfcTimestamp.Format(start) : null,
                User = new UserFields { Id = GetUid(info.Uid), Name = info.UserName },
            };
            _processes.Add(info, fields);
        }
        return fields;
    }

    private UserFields? CreateUser(SocketRecord record, IReadOnlyList<ProcessInfo> holders)
    {
        if (record.Transport == Transport.Unix)
        {
            // Neither unix_diag (without UNIX_DIAG_UID) nor /proc/net/unix reports an owner uid, so the record's 0
            // means "unknown": use the holder's uid, as netstat users would read it.
            return holders.Count > 0 ? GetProcess(holders[0]).User : null;
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
                return GetProcess(holders[i]).User;
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
