namespace SocketAgent.Collection.Tracing;

/// <summary>The kernel side's own counts, read from its maps and program info.</summary>
public readonly record struct TracerCounters(
    long Attempted, long Lost, long Deduplicated, long Accepts, long RecursionMissesFirst, long RecursionMissesSecond, long Delivered);
