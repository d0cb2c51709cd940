using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// What a cycle reports about itself for <c>/metrics</c> and <c>/healthz</c>: copies taken on the cycle's own thread
/// at the end of a cycle, so the HTTP side never touches the cycle's mutable state.
/// </summary>
internal sealed class CycleMetrics
{
    /// <summary>Events written since start, by <c>dataset.action</c> (<c>socket.opened</c>, <c>agent.loss</c>).</summary>
    public required IReadOnlyDictionary<string, long> Events { get; init; }

    public required long SocketsTracked { get; init; }

    /// <summary>What reports sockets (as the heartbeat's <c>source</c>).</summary>
    public string Source { get; init; } = "netlink";

    /// <summary>The eBPF source's counters (records, lost, recursion misses...); empty without it.</summary>
    public IReadOnlyDictionary<string, long> SourceCounters { get; init; } = new Dictionary<string, long>();
    public required long ProcessesTracked { get; init; }
    public required long Namespaces { get; init; }

    /// <summary>Socket events the filters dropped since start.</summary>
    public required long FilteredOut { get; init; }

    /// <summary>Distinct collection warnings logged since start.</summary>
    public required long Warnings { get; init; }

    /// <summary>The configured outputs (<c>outputs</c>): stdout, file, kafka.</summary>
    public required IReadOnlyList<string> Outputs { get; init; }

    /// <summary>Lines a local output (stdout, file) refused since start, by output name: each one a lost line there.</summary>
    public required IReadOnlyDictionary<string, long> OutputErrors { get; init; }

    /// <summary>The Kafka output's spool; null without the Kafka output.</summary>
    public SpoolStats? Spool { get; init; }

    /// <summary>Why the spool's disk refuses writes, when <see cref="SpoolStats.WriteFailing"/>.</summary>
    public string SpoolWriteFailure { get; init; } = "";

    /// <summary><c>spool.max_bytes</c>.</summary>
    public long SpoolMaxBytes { get; init; }

    /// <summary>The Kafka delivery loop's counters; null without the Kafka output.</summary>
    public DeliveryMetrics? Delivery { get; init; }
}
