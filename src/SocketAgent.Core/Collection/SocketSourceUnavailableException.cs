namespace SocketAgent.Collection;

/// <summary>The source cannot be used on this host (e.g. netlink sock_diag refused); the caller falls back.</summary>
public sealed class SocketSourceUnavailableException : Exception
{
    public SocketSourceUnavailableException(string message) : base(message) { }
    public SocketSourceUnavailableException(string message, Exception inner) : base(message, inner) { }
}
