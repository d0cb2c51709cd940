using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>The sockets <see cref="SocketDiffer"/> tracks in one network namespace, by cookie or (without one) by <see cref="SocketFallbackKey"/>.</summary>
internal sealed class NamespaceSockets(NetworkNamespace @namespace)
{
    public NetworkNamespace Namespace { get; set; } = @namespace;
    public Dictionary<ulong, TrackedSocket> ByCookie { get; } = [];
    public Dictionary<SocketFallbackKey, TrackedSocket> ByFallback { get; } = [];

    /// <summary>Incremented by every collection of the namespace; a tracked socket not stamped with the current one was not seen.</summary>
    public int Generation { get; set; }

    public int Count => ByCookie.Count + ByFallback.Count;
}
