namespace SocketAgent.Encoders.Json;

/// <summary>
/// ECS <c>agent.*</c>: which agent wrote the line. Shared by every line of a run (the factories cache it), so it is
/// immutable.
/// </summary>
public sealed class AgentFields
{
    /// <summary>ECS <c>agent.type</c>: the same for every socket-agent.</summary>
    public const string AgentType = "socket-agent";

    /// <summary>A UUID kept in the state directory: the same across restarts.</summary>
    public required string Id { get; init; }

    /// <summary>A UUID of this run: a new one after a restart.</summary>
    public required string EphemeralId { get; init; }

    public required string Version { get; init; }

    public string Type { get; init; } = AgentType;
}
