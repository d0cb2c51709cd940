namespace SocketAgent.Model;

/// <summary>Who the agent is reporting for: ECS <c>host.name</c> and <c>host.id</c>.</summary>
public sealed record HostIdentity(string Name, string? Id);
