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
}
