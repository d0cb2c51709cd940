using System.Net;

namespace SocketAgent.Encoders.Netstat;

/// <summary>One reverse lookup (address → host name); a seam so tests can count, delay and fail lookups.</summary>
internal interface IHostNameLookup
{
    /// <summary>The host name of <paramref name="address"/>, or null when it has none. May throw on resolver errors.</summary>
    Task<string?> LookupAsync(IPAddress address, CancellationToken cancellationToken);
}
