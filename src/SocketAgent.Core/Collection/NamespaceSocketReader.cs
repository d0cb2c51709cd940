using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>
/// Reads the sockets of the calling thread's network namespace: netlink sock_diag, or /proc/net when netlink is
/// refused (and raw sockets from /proc/net when the kernel has no raw_diag). /proc is read through
/// <c>/proc/thread-self/net</c>, the only view that follows a thread that entered another namespace.
/// Thread-safe: namespaces are read in parallel.
/// </summary>
internal sealed class NamespaceSocketReader
{
    private readonly SocketSourceKind _kind;
    private readonly ProcNetPaths _paths;
    private volatile bool _netlinkRefused;

    public NamespaceSocketReader(SocketSourceKind kind, string netDirectory = NetworkNamespaceRunner.ThreadNetDirectory)
    {
        _kind = kind;
        _paths = new ProcNetPaths(netDirectory);
    }

    /// <summary>The source used for the last read: <c>netlink</c> or <c>procfs</c>.</summary>
    public string SourceName => UsesNetlink ? "netlink" : "procfs";

    private bool UsesNetlink => _kind == SocketSourceKind.Netlink || (_kind == SocketSourceKind.Auto && !_netlinkRefused);

    public IReadOnlyList<SocketRecord> Read(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        if (!UsesNetlink)
        {
            return new ProcfsSocketSource(_paths).Collect(query, diagnostics);
        }

        try
        {
            return ReadNetlink(query, diagnostics);
        }
        catch (SocketSourceUnavailableException ex) when (_kind == SocketSourceKind.Auto)
        {
            // Locked-down containers (seccomp, no AF_NETLINK) refuse sock_diag; /proc/net has the same tables
            // without cookies and tcp_info. Switch for the agent's lifetime: the refusal will not go away.
            _netlinkRefused = true;
            diagnostics.WarnOnce("source.fallback_to_procfs",
                $"netlink sock_diag unavailable ({ex.Message}); reading /proc/net instead (no socket cookies, no tcp_info)");
            diagnostics.Count("source.fallback_to_procfs");
            return new ProcfsSocketSource(_paths).Collect(query, diagnostics);
        }
    }

    private IReadOnlyList<SocketRecord> ReadNetlink(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        long rawUnavailable = RawTablesUnavailable(diagnostics);
        IReadOnlyList<SocketRecord> sockets;
        try
        {
            sockets = new NetlinkSocketSource().Collect(query, diagnostics);
        }
        catch (SocketSourceUnavailableException) when (
            query.Transports == TransportSet.Raw && RawTablesUnavailable(diagnostics) > rawUnavailable)
        {
            sockets = []; // only raw was asked for, and this kernel has no raw_diag: /proc/net/raw below
        }

        if (query.Wants(Transport.Raw) && RawTablesUnavailable(diagnostics) > rawUnavailable)
        {
            sockets = AddRawFromProcfs(sockets, query, diagnostics);
        }
        return sockets;
    }

    // Counters only grow; comparing before and after tells whether this read hit the refusal (other namespaces
    // read in parallel may bump them too, which at worst reads /proc/net/raw once more than needed).
    private static long RawTablesUnavailable(CollectionDiagnostics diagnostics) =>
        diagnostics.Get("netlink.protocol_unavailable.raw") + diagnostics.Get("netlink.protocol_unavailable.raw6");

    /// <summary>
    /// Kernels built without raw_diag cannot dump raw sockets over netlink; like ss, read them from /proc/net/raw
    /// and /proc/net/raw6 so the snapshot is complete whichever way the kernel was built.
    /// </summary>
    private IReadOnlyList<SocketRecord> AddRawFromProcfs(IReadOnlyList<SocketRecord> sockets, SocketQuery query, CollectionDiagnostics diagnostics)
    {
        var merged = new List<SocketRecord>(sockets.Count + 8);
        foreach (SocketRecord socket in sockets)
        {
            if (socket.Transport != Transport.Raw)
            {
                merged.Add(socket);
            }
        }
        IReadOnlyList<SocketRecord> raw = new ProcfsSocketSource(_paths).Collect(query with { Transports = TransportSet.Raw }, diagnostics);
        merged.AddRange(raw);
        diagnostics.Count("source.raw_from_procfs", raw.Count);
        return merged;
    }
}
