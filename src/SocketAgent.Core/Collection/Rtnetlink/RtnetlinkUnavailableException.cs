namespace SocketAgent.Collection.Rtnetlink;

/// <summary>rtnetlink cannot be used (socket refused, every dump refused, I/O failed); the caller falls back to /proc/net.</summary>
internal sealed class RtnetlinkUnavailableException : Exception
{
    public RtnetlinkUnavailableException(string message) : base(message) { }
    public RtnetlinkUnavailableException(string message, Exception inner) : base(message, inner) { }
}
