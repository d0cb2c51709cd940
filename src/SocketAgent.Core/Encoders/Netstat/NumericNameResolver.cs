using System.Net;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>The resolver for <c>-n</c>: knows no names, so every column prints numbers and nothing touches the network.</summary>
internal sealed class NumericNameResolver : INameResolver
{
    public static readonly NumericNameResolver Instance = new();

    private NumericNameResolver()
    {
    }

    public Task PrepareHostsAsync(IReadOnlyCollection<IPAddress> addresses, CancellationToken cancellationToken) => Task.CompletedTask;

    public string? HostName(IPAddress address) => null;

    public string? ServiceName(int port, Transport transport) => null;

    public string? UserName(uint uid) => null;
}
