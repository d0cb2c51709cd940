namespace SocketAgent.Output.Json;

/// <summary>ECS <c>host.*</c>: the host the agent reports for.</summary>
public sealed class HostFields
{
    public required string Name { get; init; }

    public string? Id { get; init; }
}
