using System.Net;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// Direction from what the tracer saw: the end that called connect() is the client, the end a listener made is the
/// server. A peer on loopback is <c>internal</c>; otherwise the client's side is <c>egress</c>, the server's <c>ingress</c>.
/// </summary>
internal sealed class TracedDirections(ConnectionRole role) : IConnectionDirectionResolver
{
    public static readonly TracedDirections Client = new(ConnectionRole.Client);
    public static readonly TracedDirections Server = new(ConnectionRole.Server);
    public static readonly TracedDirections Unknown = new(ConnectionRole.Unknown);

    public ConnectionFlow Resolve(SocketRecord socket)
    {
        if (socket.State == KernelSocketState.Listen)
        {
            return new ConnectionFlow(ConnectionDirection.Listening, ConnectionRole.Server);
        }
        if (socket.RemoteAddress is IPAddress remote && IPAddress.IsLoopback(remote))
        {
            return new ConnectionFlow(ConnectionDirection.Internal, role);
        }
        return role switch
        {
            ConnectionRole.Client => new ConnectionFlow(ConnectionDirection.Egress, role),
            ConnectionRole.Server => new ConnectionFlow(ConnectionDirection.Ingress, role),
            _ => ConnectionFlow.Unknown,
        };
    }
}
