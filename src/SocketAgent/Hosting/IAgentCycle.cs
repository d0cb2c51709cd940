namespace SocketAgent.Cli.Hosting;

/// <summary>
/// What the daemon does each <c>interval</c>: collect, compare, and write event lines to
/// <see cref="CycleContext.Output"/>, stamping each with <see cref="CycleContext.Sequencer"/>. The loop
/// (<see cref="AgentLoop"/>) owns the timing, flushes the output after the cycle, then persists the last sequence;
/// so a cycle writes and returns, and must not flush half-written events itself. The first call
/// (<see cref="CycleContext.IsFirst"/>) runs before the service reports ready and should emit the full state
/// (<c>event.action</c> <c>snapshot</c>).
/// </summary>
internal interface IAgentCycle
{
    /// <param name="cancellationToken">
    /// Cancelled only when the host gives up waiting on shutdown: a stop request lets the current cycle finish.
    /// </param>
    ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken);

    /// <summary>
    /// A step between two cycles (every <see cref="AgentLoop.StepPeriod"/> while the interval is longer): emits what
    /// the event sources pushed since (closed sockets, traced transitions) without collecting anything, so those
    /// events neither wait for the next cycle nor pile up in memory until it. The loop flushes the output after a
    /// step that wrote; the sequence is persisted by the cycles. Cheap when nothing arrived.
    /// </summary>
    void RunStep(CycleContext context)
    {
    }

    /// <summary>
    /// The last sequence, at most <paramref name="lastEmitted"/>, up to which every line reached every output (for
    /// the Kafka spool: written to its disk, or its drop named by a loss line). The loop records only this as flushed:
    /// what lies above it when the agent stops or dies is named by the next run's unclean-stop loss line.
    /// </summary>
    long LastSettled(long lastEmitted) => lastEmitted;
}
