namespace SocketAgent.Events;

/// <summary>
/// Who emits the events: ECS <c>agent.id</c> (a UUID kept in the state directory across restarts),
/// <c>agent.ephemeral_id</c> (new every run), <c>agent.version</c>, and <c>host.boot.id</c>
/// (<c>/proc/sys/kernel/random/boot_id</c>) so a consumer can tell reboots apart.
/// </summary>
public sealed record AgentIdentity(string Id, string EphemeralId, string Version, string? BootId);

/// <summary>
/// The per-event part of the envelope: a unique <c>event.id</c> and the agent's <c>event.sequence</c>. The daemon's ids
/// are UUIDs kept as <see cref="Guid"/>: the socket encoder formats them straight into the line as UTF-8, so the
/// hundreds of thousands of events a second under churn allocate no id string (<see cref="Id"/> makes one on request).
/// </summary>
public readonly record struct EventStamp
{
    private readonly string? _id;

    /// <summary>A stamp with a given id (tests, fixtures).</summary>
    public EventStamp(string id, long sequence)
    {
        _id = id;
        Sequence = sequence;
    }

    /// <summary>A stamp whose id is <paramref name="uuid"/> in its 36-character form.</summary>
    public EventStamp(Guid uuid, long sequence)
    {
        Uuid = uuid;
        Sequence = sequence;
    }

    /// <summary>The id as text.</summary>
    public string Id => _id ?? (Uuid == Guid.Empty ? string.Empty : Uuid.ToString());

    /// <summary>The id when the stamp was made from a UUID; <see cref="Guid.Empty"/> when it was given as text.</summary>
    public Guid Uuid { get; }

    public long Sequence { get; }

    /// <summary>True when the stamp has an id (text or UUID).</summary>
    public bool HasId => _id is { Length: > 0 } || Uuid != Guid.Empty;
}
