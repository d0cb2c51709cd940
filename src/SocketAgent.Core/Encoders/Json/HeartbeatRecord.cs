namespace SocketAgent.Encoders.Json;

/// <summary>
/// The agent's own counters at one time, for the heartbeat line (<c>--heartbeat</c>): a few fixed fields every
/// heartbeat has, and two open maps — <see cref="Events"/> and <see cref="Counters"/> — so the daemon can count new
/// things without a schema change. Counters are cumulative since the agent started.
/// </summary>
public sealed class HeartbeatRecord
{
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Time since the agent started (<c>heartbeat.uptime_ms</c>).</summary>
    public TimeSpan Uptime { get; init; }

    /// <summary>Collection cycles run (<c>heartbeat.cycles</c>).</summary>
    public long Cycles { get; init; }

    /// <summary>Sockets in the agent's state table now (<c>heartbeat.sockets_tracked</c>).</summary>
    public long SocketsTracked { get; init; }

    /// <summary>Duration of the last collection cycle (<c>heartbeat.collection.last_ms</c>); null before the first.</summary>
    public double? LastCollectionMilliseconds { get; init; }

    /// <summary>Mean duration of the collection cycles so far (<c>heartbeat.collection.avg_ms</c>).</summary>
    public double? AverageCollectionMilliseconds { get; init; }

    /// <summary>Resident set size of the agent (<c>heartbeat.rss_bytes</c>); null when unknown.</summary>
    public long? RssBytes { get; init; }

    /// <summary>What reports sockets (<c>ebpf+netlink</c>, <c>netlink</c>, <c>procfs</c>); null when not said.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// Lines emitted, by <c>dataset.action</c> (<c>socket.opened</c>, <c>route.added</c>, <c>interface.up</c>…);
    /// written in ordinal key order. Keys: lowercase letters, digits, '_' and '.'.
    /// </summary>
    public IReadOnlyDictionary<string, long> Events { get; init; } = s_empty;

    /// <summary>
    /// Any other counter, by name (<see cref="CounterNames"/> lists the well-known ones); written in ordinal key order.
    /// Keys: lowercase letters, digits, '_' and '.'.
    /// </summary>
    public IReadOnlyDictionary<string, long> Counters { get; init; } = s_empty;

    private static readonly IReadOnlyDictionary<string, long> s_empty = new Dictionary<string, long>();
}

/// <summary>Well-known keys of <see cref="HeartbeatRecord.Counters"/>.</summary>
public static class CounterNames
{
    /// <summary>Errors logged (a collection that failed, a source that became unavailable…).</summary>
    public const string Errors = "errors";

    /// <summary>Warnings logged (records skipped, processes unreadable…).</summary>
    public const string Warnings = "warnings";

    /// <summary>sock_diag destroy notifications received.</summary>
    public const string DestroyEvents = "destroy_events";

    /// <summary>Times the destroy socket's receive buffer overran (ENOBUFS): notifications were lost.</summary>
    public const string DestroyOverruns = "destroy_overruns";

    /// <summary>rtnetlink notifications received.</summary>
    public const string RtnetlinkNotifications = "rtnetlink_notifications";

    /// <summary>Lines the output could not take (a sink that failed or dropped them).</summary>
    public const string OutputErrors = "output_errors";

    /// <summary>
    /// Values the kernel reported that did not fit their field (<see cref="KernelValues.Dropped"/>): left out of
    /// their lines, which were written.
    /// </summary>
    public const string ValuesDropped = "values_dropped";
}
