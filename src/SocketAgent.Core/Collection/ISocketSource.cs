using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>Reads the sockets of the network namespace the calling thread is in.</summary>
public interface ISocketSource
{
    /// <summary><c>netlink</c> or <c>procfs</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Returns the sockets matching <paramref name="query"/>. Malformed records are skipped and counted in
    /// <paramref name="diagnostics"/>; throws <see cref="SocketSourceUnavailableException"/> when the source
    /// cannot be used at all (netlink refused in a locked-down container, /proc not mounted).
    /// </summary>
    IReadOnlyList<SocketRecord> Collect(SocketQuery query, CollectionDiagnostics diagnostics);
}
