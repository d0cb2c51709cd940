namespace SocketAgent.Collection.Incremental;

/// <summary>The incremental collector's own counters, for the heartbeat.</summary>
public readonly record struct IncrementalCounters
{
    /// <summary>Cycles that dumped every TCP socket, and cycles that carried the ESTABLISHED ones over.</summary>
    public long FullCycles { get; init; }
    public long IncrementalCycles { get; init; }
    public FullDumpReason LastFullDumpReason { get; init; }

    /// <summary>Counters read, dumps and merge of the last cycle.</summary>
    public TimeSpan LastDumpTime { get; init; }
    public int SocketsTracked { get; init; }

    /// <summary>Attribution: cycles with nothing new (no /proc work), walks that resolved only unknown fds, full re-reads.</summary>
    public long AttributionUnchanged { get; init; }
    public long AttributionWalks { get; init; }
    public long AttributionResyncs { get; init; }
    public int LastLinksRead { get; init; }
    public TimeSpan LastAttributionTime { get; init; }
    public int ProcessesTracked { get; init; }
}
