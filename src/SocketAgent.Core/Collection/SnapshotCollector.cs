using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Procfs;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>
/// One collection pass: read the socket tables (sock_diag, or /proc/net when netlink is refused), then
/// attribute the sockets to processes. The first stage of the pipeline
/// collectors → snapshot → (diff → events) → encoder → outputs.
/// </summary>
public sealed class SnapshotCollector
{
    private readonly SnapshotCollectorOptions _options;
    private readonly HostIdentity _host;
    private readonly ProcessSocketScanner _scanner = new();
    private ISocketSource _source;
    private ProcfsSocketSource? _rawFallback;

    public SnapshotCollector(SnapshotCollectorOptions options)
    {
        _options = options;
        _host = HostIdentityReader.Read(options.HostName);
        _source = options.Source == SocketSourceKind.Procfs ? new ProcfsSocketSource() : new NetlinkSocketSource();
    }

    public HostIdentity Host => _host;

    /// <summary>The source in use now: <c>netlink</c>, or <c>procfs</c> (chosen, or fallen back to).</summary>
    public string SourceName => _source.Name;

    public SocketSnapshot Collect(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        DateTimeOffset timestamp = _options.TimeProvider.GetUtcNow();
        IReadOnlyList<SocketRecord> sockets = ReadSockets(query, diagnostics);
        SocketOwners owners = _options.AttributeProcesses ? Attribute(sockets, diagnostics) : SocketOwners.Empty;
        return new SocketSnapshot
        {
            Timestamp = timestamp,
            Host = _host,
            Sockets = sockets,
            Owners = owners,
            Source = _source.Name,
        };
    }

    private IReadOnlyList<SocketRecord> ReadSockets(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        try
        {
            long rawUnavailable = RawTablesUnavailable(diagnostics);
            IReadOnlyList<SocketRecord> sockets;
            try
            {
                sockets = _source.Collect(query, diagnostics);
            }
            catch (SocketSourceUnavailableException) when (
                _source is NetlinkSocketSource && query.Transports == TransportSet.Raw && RawTablesUnavailable(diagnostics) > rawUnavailable)
            {
                sockets = []; // only raw was asked for, and this kernel has no raw_diag: /proc/net/raw below
            }

            if (_source is NetlinkSocketSource && query.Wants(Transport.Raw) && RawTablesUnavailable(diagnostics) > rawUnavailable)
            {
                sockets = AddRawFromProcfs(sockets, query, diagnostics);
            }
            return sockets;
        }
        catch (SocketSourceUnavailableException ex) when (_options.Source == SocketSourceKind.Auto && _source is NetlinkSocketSource)
        {
            // Locked-down containers (seccomp, no AF_NETLINK) refuse sock_diag; /proc/net has the same tables
            // without cookies and tcp_info. Switch for the agent's lifetime: the refusal will not go away.
            diagnostics.Warn($"netlink sock_diag unavailable ({ex.Message}); reading /proc/net instead (no socket cookies, no tcp_info)");
            diagnostics.Count("source.fallback_to_procfs");
            _source = new ProcfsSocketSource();
            return _source.Collect(query, diagnostics);
        }
    }

    private static long RawTablesUnavailable(CollectionDiagnostics diagnostics) =>
        diagnostics.Get("netlink.protocol_unavailable.raw") + diagnostics.Get("netlink.protocol_unavailable.raw6");

    /// <summary>
    /// Kernels built without raw_diag cannot dump raw sockets over netlink; like ss, read them from /proc/net/raw
    /// and /proc/net/raw6 so the snapshot is complete whichever way the kernel was built.
    /// </summary>
    private IReadOnlyList<SocketRecord> AddRawFromProcfs(IReadOnlyList<SocketRecord> sockets, SocketQuery query, CollectionDiagnostics diagnostics)
    {
        _rawFallback ??= new ProcfsSocketSource();
        var merged = new List<SocketRecord>(sockets.Count + 8);
        foreach (SocketRecord socket in sockets)
        {
            if (socket.Transport != Transport.Raw)
            {
                merged.Add(socket);
            }
        }
        IReadOnlyList<SocketRecord> raw = _rawFallback.Collect(query with { Transports = TransportSet.Raw }, diagnostics);
        merged.AddRange(raw);
        diagnostics.Count("source.raw_from_procfs", raw.Count);
        return merged;
    }

    private SocketOwners Attribute(IReadOnlyList<SocketRecord> sockets, CollectionDiagnostics diagnostics)
    {
        var wanted = new HashSet<ulong>(sockets.Count);
        foreach (SocketRecord socket in sockets)
        {
            if (socket.Inode != 0)
            {
                wanted.Add(socket.Inode);
            }
        }

        SocketOwners owners = _scanner.Scan(wanted, diagnostics);
        if (owners.ProcessesDenied > 0)
        {
            int unattributed = 0;
            foreach (ulong inode in wanted)
            {
                if (owners.Lookup(inode).Count == 0)
                {
                    unattributed++;
                }
            }
            diagnostics.Count("processes.sockets_unattributed", unattributed);
            // netstat says the same thing ("Not all processes could be identified"); we also say how many.
            string remedy = Interop.Sys.GetEUid() == 0
                ? "refused even to root: a security module or a sandbox hides them"
                : "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see them all";
            diagnostics.WarnOnce("unattributed",
                $"{unattributed} of {wanted.Count} sockets could not be attributed to a process: {owners.ProcessesDenied} processes' /proc/<pid>/fd could not be read ({remedy})");
        }
        return owners;
    }
}
