using SocketAgent.Model;

namespace SocketAgent.Collection.Incremental;

/// <summary>
/// The steady-state collector for the calling thread's network namespace: <see cref="IncrementalSocketReader"/>
/// (sockets, carrying unchanged ESTABLISHED ones over) then <see cref="SocketOwnerCache"/> (owners, reading /proc
/// only for new inodes). <see cref="Collect"/> runs both on the calling thread; a daemon that reads namespaces on
/// setns'ed threads calls <see cref="Sockets"/> there (one reader per namespace) and one shared
/// <see cref="SocketOwnerCache"/> on its own thread, with every namespace's list.
/// </summary>
public sealed class IncrementalSocketCollector : IDisposable
{
    private readonly IncrementalSocketReader _sockets;
    private readonly SocketOwnerCache _owners;

    public IncrementalSocketCollector(IncrementalCollectorOptions? options = null)
    {
        options ??= new IncrementalCollectorOptions();
        _sockets = new IncrementalSocketReader(options);
        _owners = new SocketOwnerCache(options);
    }

    internal IncrementalSocketReader Sockets => _sockets;
    internal SocketOwnerCache Owners => _owners;

    /// <summary>Reads the sockets matching <paramref name="query"/>, and their owners when <paramref name="attribute"/>.</summary>
    public IncrementalCollection Collect(SocketQuery query, CollectionDiagnostics diagnostics, bool attribute = true)
    {
        IReadOnlyList<SocketRecord> sockets = _sockets.Read(query, diagnostics);
        return new IncrementalCollection
        {
            Sockets = sockets,
            Owners = attribute ? _owners.Resolve(sockets, diagnostics) : SocketOwners.Empty,
            FullDumpReason = _sockets.LastReason,
        };
    }

    /// <summary>The counters for the heartbeat.</summary>
    public IncrementalCounters Counters => new()
    {
        FullCycles = _sockets.FullCycles,
        IncrementalCycles = _sockets.IncrementalCycles,
        LastFullDumpReason = _sockets.LastReason,
        LastDumpTime = _sockets.LastDumpTime,
        SocketsTracked = _sockets.SocketsTracked,
        AttributionUnchanged = _owners.Unchanged,
        AttributionWalks = _owners.Walks,
        AttributionResyncs = _owners.Resyncs,
        LastLinksRead = _owners.LastLinksRead,
        LastAttributionTime = _owners.LastAttributionTime,
        ProcessesTracked = _owners.ProcessesTracked,
    };

    /// <summary>Makes the next cycle a full one: TCP dumped whole, every fd table re-read (e.g. after a destroy-event overrun).</summary>
    public void RequestFullCycle()
    {
        _sockets.RequestFullDump();
        _owners.RequestResync();
    }

    public void Dispose() => _sockets.Dispose();
}
