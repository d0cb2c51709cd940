namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>container.*</c>: the container of the socket's (first) owner process.</summary>
public sealed class ContainerFields
{
    public required string Id { get; init; }
}
