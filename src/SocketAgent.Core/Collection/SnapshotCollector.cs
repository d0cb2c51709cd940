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
            return _source.Collect(query, diagnostics);
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
            diagnostics.WarnOnce("unattributed",
                $"{unattributed} of {wanted.Count} sockets could not be attributed to a process: {owners.ProcessesDenied} processes' /proc/<pid>/fd could not be read (run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see them all)");
        }
        return owners;
    }
}
