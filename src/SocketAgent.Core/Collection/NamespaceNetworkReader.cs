using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Rtnetlink;

namespace SocketAgent.Collection;

/// <summary>
/// Reads the interfaces and routes of the calling thread's network namespace: rtnetlink, or the /proc/net files
/// (through <c>/proc/thread-self/net</c>) once rtnetlink has been refused. Shared by the one-shot collector and the
/// daemon's cycle; thread-safe, as namespaces are read in parallel.
/// </summary>
internal sealed class NamespaceNetworkReader
{
    private volatile bool _rtnetlinkRefused;

    public NetworkState Read(CollectionDiagnostics diagnostics)
    {
        if (!_rtnetlinkRefused)
        {
            try
            {
                return new RtnetlinkCollector().Collect(diagnostics);
            }
            catch (RtnetlinkUnavailableException ex)
            {
                // The refusal (seccomp, no AF_NETLINK) will not go away: stop asking for the agent's lifetime.
                _rtnetlinkRefused = true;
                diagnostics.WarnOnce("rtnetlink.fallback_to_procfs",
                    $"rtnetlink unavailable ({ex.Message}); reading interfaces and routes from /proc/net instead (no IPv4 addresses, main table only)");
                diagnostics.Count("rtnetlink.fallback_to_procfs");
            }
        }
        return new ProcNetRouteReader(NetworkNamespaceRunner.ThreadNetDirectory).Read(diagnostics);
    }
}
