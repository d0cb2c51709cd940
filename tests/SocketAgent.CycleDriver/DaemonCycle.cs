using SocketAgent.Collection;
using SocketAgent.Collection.Incremental;
using SocketAgent.Model;

namespace SocketAgent.Benchmarks;

/// <summary>
/// One cycle of the daemon's collection in the calling thread's namespace, built from the daemon's own pieces: the
/// namespace's <see cref="IncrementalSocketReader"/>, then <see cref="SocketOwnerCache"/> over its list.
/// </summary>
internal sealed class DaemonCycle : IDisposable
{
    public DaemonCycle(IncrementalCollectorOptions options)
    {
        Sockets = new IncrementalSocketReader(options);
        Owners = new SocketOwnerCache(options);
    }

    public IncrementalSocketReader Sockets { get; }

    public SocketOwnerCache Owners { get; }

    /// <summary>Why the last cycle dumped TCP whole; <see cref="FullDumpReason.None"/> for an incremental one.</summary>
    public FullDumpReason LastReason => Sockets.LastReason;

    public (IReadOnlyList<SocketRecord> Sockets, SocketOwners Owners) Collect(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        IReadOnlyList<SocketRecord> sockets = Sockets.Read(query, diagnostics);
        return (sockets, Owners.Resolve(sockets, diagnostics));
    }

    /// <summary>Makes the next cycle a full one: TCP dumped whole, every fd table re-read.</summary>
    public void RequestFullCycle()
    {
        Sockets.RequestFullDump();
        Owners.RequestResync();
    }

    public void Dispose() => Sockets.Dispose();
}
