namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>event.*</c>. Allocated per document, so event code may set its own members on it.</summary>
public sealed class EventFields
{
    /// <summary><c>event.dataset</c> of socket lines.</summary>
    public const string SocketDataset = "socket";

    /// <summary><c>event.action</c> of a full listing (<c>--once</c>, and the daemon's first cycle).</summary>
    public const string SnapshotAction = "snapshot";

    internal static readonly IReadOnlyList<string> NetworkCategory = ["network"];
    internal static readonly IReadOnlyList<string> ConfigurationCategory = ["configuration", "network"];
    internal static readonly IReadOnlyList<string> HostCategory = ["host"];
    internal static readonly IReadOnlyList<string> InfoType = ["info"];
    internal static readonly IReadOnlyList<string> ConnectionStartType = ["connection", "start"];
    internal static readonly IReadOnlyList<string> ConnectionEndType = ["connection", "end"];
    internal static readonly IReadOnlyList<string> ConnectionChangeType = ["connection"];
    internal static readonly IReadOnlyList<string> CreationType = ["creation"];
    internal static readonly IReadOnlyList<string> DeletionType = ["deletion"];
    internal static readonly IReadOnlyList<string> ChangeType = ["change"];

    /// <summary><c>socket</c>, <c>route</c>, <c>interface</c>, <c>netstat</c> or <c>agent</c> (heartbeats).</summary>
    public required string Dataset { get; set; }

    /// <summary>What produced the document: <c>snapshot</c> for a full listing, else the event's action.</summary>
    public required string Action { get; set; }

    /// <summary><c>state</c> for snapshots, <c>event</c> for changes, <c>metric</c> for heartbeats and counters.</summary>
    public string Kind { get; set; } = EventKinds.State;

    public IReadOnlyList<string> Category { get; set; } = NetworkCategory;

    public IReadOnlyList<string> Type { get; set; } = InfoType;

    /// <summary>Unique id of the line (the daemon's <see cref="Events.EventStamp"/>); null for <c>--once</c> output.</summary>
    public string? Id { get; set; }

    /// <summary>The agent's sequence number: +1 per line, kept across restarts.</summary>
    public long? Sequence { get; set; }

    /// <summary>For a closed socket: how long it was seen open, in nanoseconds (ECS).</summary>
    public long? Duration { get; set; }

    /// <summary>For a closed socket: when it was first seen (RFC 3339 UTC).</summary>
    public string? Start { get; set; }

    /// <summary>For a closed socket: when it closed (RFC 3339 UTC).</summary>
    public string? End { get; set; }

    /// <summary>Sets <see cref="Id"/> and <see cref="Sequence"/>: the envelope of a daemon's line.</summary>
    internal void Stamp(Events.EventStamp stamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(stamp.Id, nameof(stamp));
        ArgumentOutOfRangeException.ThrowIfNegative(stamp.Sequence, nameof(stamp));
        Id = stamp.Id;
        Sequence = stamp.Sequence;
    }
}

/// <summary>The ECS <c>event.kind</c> values the agent writes.</summary>
public static class EventKinds
{
    /// <summary>A snapshot line: the state of one thing at one time.</summary>
    public const string State = "state";

    /// <summary>A change: opened, closed, added, removed…</summary>
    public const string Event = "event";

    /// <summary>Counters: the heartbeat and the periodic protocol counters.</summary>
    public const string Metric = "metric";
}
