namespace SocketAgent.Events;

/// <summary>
/// Who emits the events: ECS <c>agent.id</c> (a UUID kept in the state directory across restarts),
/// <c>agent.ephemeral_id</c> (new every run), <c>agent.version</c>, and <c>host.boot.id</c>
/// (<c>/proc/sys/kernel/random/boot_id</c>) so a consumer can tell reboots apart.
/// </summary>
public sealed record AgentIdentity(string Id, string EphemeralId, string Version, string? BootId);

/// <summary>The per-event part of the envelope: a unique <c>event.id</c> and the agent's <c>event.sequence</c>.</summary>
public readonly record struct EventStamp(string Id, long Sequence);
