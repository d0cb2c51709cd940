using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Configuration;
using SocketAgent.Events;
using SocketAgent.State;

namespace SocketAgent.Cli.Hosting;

/// <summary>What a cycle gets: the settings, the identity and sequencer for the envelope, the output, and timing.</summary>
internal sealed class CycleContext
{
    /// <summary>The settings in effect: replaced between two cycles when a SIGHUP reloads them (<see cref="ConfigurationReload"/>).</summary>
    public required AgentOptions Options { get; set; }

    /// <summary>
    /// +1 per SIGHUP: a cycle that sees it change reopens the file output (logrotate moved the file away and
    /// expects the next line in a new one).
    /// </summary>
    public long ReopenGeneration { get; internal set; }

    /// <summary><c>agent.id</c>, <c>agent.ephemeral_id</c>, <c>agent.version</c>, <c>host.boot.id</c>.</summary>
    public required AgentIdentity Identity { get; init; }

    /// <summary>One stamp per emitted line: <c>event.id</c> and <c>event.sequence</c>.</summary>
    public required EventSequencer Sequencer { get; init; }

    /// <summary>
    /// The numbers the previous run had reserved after its last flushed line, when it did not stop cleanly (a crash,
    /// kill -9, power loss): the first cycle names them in a <c>loss</c> line. Null after a clean stop.
    /// </summary>
    public (long First, long Last)? PreviousRunUnclean { get; init; }

    /// <summary>stdout, buffered: data lines only, flushed by the loop after each cycle.</summary>
    public required Stream Output { get; init; }

    public required TimeProvider TimeProvider { get; init; }

    /// <summary>For diagnostics (stderr / journald); never for data.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>When the agent started (this run).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>1 for the first cycle, +1 per cycle.</summary>
    public long CycleNumber { get; internal set; }

    public bool IsFirst => CycleNumber == 1;

    /// <summary>When this cycle started (the timer's tick).</summary>
    public DateTimeOffset CycleStartedAt { get; internal set; }

    /// <summary>How long the previous cycle took, output flush included (zero before the first ends).</summary>
    public TimeSpan PreviousCycleDuration { get; internal set; }

    /// <summary>Cycles that failed (logged and skipped) since start: a heartbeat counter.</summary>
    public long FailedCycles { get; internal set; }
}
