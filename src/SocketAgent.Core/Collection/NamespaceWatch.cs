using SocketAgent.Collection.Incremental;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>
/// What the collector keeps in one network namespace between passes: the socket reader (its netlink socket bound to
/// the namespace) and, when following changes, the sock_diag destroy listener and the rtnetlink change listener.
/// Created on a thread inside the namespace (sockets belong to the namespace they are created in); the listeners'
/// threads are started from the agent's own thread, so no thread-pool worker is ever born in a foreign namespace.
/// </summary>
internal sealed class NamespaceWatch : IDisposable
{
    public NamespaceWatch(NetworkNamespace ns, SocketQuery query, HostCollectorOptions options, IncrementalCollectorOptions readerOptions, CollectionDiagnostics diagnostics)
    {
        Namespace = ns;
        Sockets = new IncrementalSocketReader(readerOptions);
        if (!options.FollowChanges)
        {
            return;
        }
        // source: procfs means no sock_diag at all: its destroy groups are sock_diag too.
        if (options.Source != SocketSourceKind.Procfs)
        {
            try
            {
                Destroys = new SockDiagDestroyListener(query, diagnostics, options.TimeProvider);
            }
            catch (Exception ex) when (ex is NetlinkException or SocketSourceUnavailableException)
            {
                // Without destroy events, closes are still found by the next snapshot (without their exact time).
                diagnostics.WarnOnce("destroy.unavailable", $"sock_diag destroy events unavailable ({ex.Message}); closes are reported at the next cycle");
            }
        }
        try
        {
            Changes = new RtnetlinkChangeListener(diagnostics, options.TimeProvider);
        }
        catch (Exception ex) when (ex is NetlinkException or RtnetlinkUnavailableException)
        {
            diagnostics.WarnOnce("rtnetlink.notifications_unavailable", $"rtnetlink notifications unavailable ({ex.Message}); routes and interfaces are re-read periodically");
        }
    }

    public NetworkNamespace Namespace { get; }
    public IncrementalSocketReader Sockets { get; }
    public SockDiagDestroyListener? Destroys { get; }
    public RtnetlinkChangeListener? Changes { get; }

    /// <summary>False until <see cref="StartListeners"/> ran (on the agent's thread), i.e. before its first pass ended.</summary>
    public bool Started { get; private set; }

    /// <summary>Interfaces as last read (for direction: the namespace's own addresses make traffic "internal").</summary>
    public IReadOnlyList<InterfaceRecord> LastInterfaces { get; set; } = [];

    public long LastDestroyOverruns { get; set; }

    public void StartListeners()
    {
        if (!Started)
        {
            Destroys?.Start();
            Changes?.Start();
            Started = true;
        }
    }

    public void Dispose()
    {
        Destroys?.Dispose();
        Changes?.Dispose();
        Sockets.Dispose();
    }
}
