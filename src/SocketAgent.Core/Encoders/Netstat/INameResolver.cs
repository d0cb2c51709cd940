using System.Net;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Names for netstat's non-numeric output: hosts, services and users. Host lookups are slow and done ahead, all at
/// once, by <see cref="PrepareHostsAsync"/>; the writer then only reads answers, so formatting never waits on DNS.
/// Every method answers <see langword="null"/> when there is no name; the caller prints the number, as netstat does.
/// </summary>
internal interface INameResolver
{
    /// <summary>Looks up every address not yet known, concurrently, each within the resolver's time limit.</summary>
    Task PrepareHostsAsync(IReadOnlyCollection<IPAddress> addresses, CancellationToken cancellationToken);

    /// <summary>The host name of <paramref name="address"/> found by <see cref="PrepareHostsAsync"/>, or null.</summary>
    string? HostName(IPAddress address);

    /// <summary>The /etc/services (or, for raw sockets, /etc/protocols) name of <paramref name="port"/>, or null.</summary>
    string? ServiceName(int port, Transport transport);

    /// <summary>The account name of <paramref name="uid"/>, or null.</summary>
    string? UserName(uint uid);
}
