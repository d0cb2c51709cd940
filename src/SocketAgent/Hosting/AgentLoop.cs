using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Commands;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.State;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The daemon's loop: the first cycle during start (so systemd's READY=1, sent once the host has started, means
/// "the full snapshot is out"), then one cycle per <c>interval</c> until stop.
/// Between cycles, every <see cref="StepPeriod"/>, it runs a step (<see cref="IAgentCycle.RunStep"/>): the events the
/// sources pushed meanwhile go out then, and stdout is flushed when a step wrote.
/// After each cycle it flushes stdout, then records the last <c>event.sequence</c> as flushed: a number recorded so
/// is always one whose line went out. A stop lets the running cycle finish. A reader that closed stdout (EPIPE) stops the
/// agent with exit code 0; a later cycle that fails is logged and skipped, the next one tries again. A SIGHUP
/// (<see cref="DaemonSignals"/>) is served before the next cycle: the settings are read again
/// (<see cref="ConfigurationReload"/>), the timer takes the new interval, and the cycle reopens the file output.
/// </summary>
internal sealed partial class AgentLoop : BackgroundService
{
    private readonly IAgentCycle _cycle;
    private readonly CycleContext _context;
    private readonly AgentStateStore _store;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly DaemonStatus _status;
    private readonly AgentMetrics _metrics;
    private readonly ILogger<AgentLoop> _logger;
    private readonly DaemonSignals _signals;
    private readonly Func<AgentOptions> _reload;

    // Cancelled only when the host's shutdown timeout runs out: the cycle's token.
    private readonly CancellationTokenSource _abort = new();
    private long _savedSequence;
    // When the last cycle started (TimeProvider timestamp): a cycle is due an interval later.
    private long _lastCycleTimestamp;
    private bool _stopped;

    /// <param name="reload">Reads the settings again from every source, as at start (SIGHUP).</param>
    public AgentLoop(IAgentCycle cycle, CycleContext context, AgentStateStore store, IHostApplicationLifetime lifetime, DaemonStatus status, AgentMetrics metrics,
        DaemonSignals signals, Func<AgentOptions> reload, ILogger<AgentLoop> logger)
    {
        _signals = signals;
        _reload = reload;
        _cycle = cycle;
        _context = context;
        _store = store;
        _lifetime = lifetime;
        _status = status;
        _metrics = metrics;
        _logger = logger;
        _savedSequence = store.LastSequence;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await RunCycleAsync(_context.TimeProvider.GetUtcNow()))
        {
            _stopped = true;
            _lifetime.StopApplication();
            return;
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// How often the sources' pushed events are emitted between two cycles (<see cref="IAgentCycle.RunStep"/>), when
    /// the interval is long enough to leave room for steps.
    /// </summary>
    public static readonly TimeSpan StepPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>The timer's period: a step period, or the interval itself when that is at most two steps.</summary>
    internal static TimeSpan TickPeriod(TimeSpan interval) => interval > 2 * StepPeriod ? StepPeriod : interval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeProvider time = _context.TimeProvider;
        using var timer = new PeriodicTimer(TickPeriod(_context.Options.Interval), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (_signals.TakeReloadRequest())
                {
                    Reload(timer);
                }
                // Due by the monotonic clock (a wall clock set back must not hold cycles off), half a tick early
                // at most, so that a tick that fires a little before the interval is over does not push the cycle
                // a whole step later.
                bool cycleDue = time.GetElapsedTime(_lastCycleTimestamp) >= _context.Options.Interval - (timer.Period / 2);
                if (!await (cycleDue ? RunCycleAsync(time.GetUtcNow()) : RunStepAsync()))
                {
                    _stopped = true;
                    _lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stop requested between two cycles.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration abort = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        await base.StopAsync(cancellationToken);
        if (!_stopped)
        {
            // Whatever a cycle cut short by the shutdown timeout left buffered.
            await FlushAndPersistAsync();
        }
        if (_savedSequence == _context.Sequencer.Last)
        {
            // Every number handed out went out (and settled): give the rest of the reserved block back, so the next
            // run continues without a gap. Otherwise the next run names what was not settled in a loss line.
            _store.SaveCleanStop(_savedSequence);
        }
    }

    /// <summary>One step between cycles, then a flush if it wrote; false when the agent must stop.</summary>
    private async Task<bool> RunStepAsync()
    {
        long before = _context.Sequencer.Last;
        try
        {
            _cycle.RunStep(_context);
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
            LogReaderGone();
            return false;
        }
        catch (Exception ex) when (ex is not AgentStateException)
        {
            // Counted like a failed cycle: the next cycle (or step) tries again, and the heartbeat's errors shows it.
            _context.FailedCycles++;
            LogStepFailed(ex);
            return true;
        }
        return _context.Sequencer.Last == before || await FlushOutputAsync();
    }

    /// <summary>One cycle, then flush and persist; false when the agent must stop.</summary>
    private async Task<bool> RunCycleAsync(DateTimeOffset startedAt)
    {
        _lastCycleTimestamp = _context.TimeProvider.GetTimestamp();
        _context.CycleNumber++;
        _context.CycleStartedAt = startedAt;
        bool completed = false;
        try
        {
            await _cycle.RunCycleAsync(_context, _abort.Token);
            return completed = await FlushAndPersistAsync();
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
            LogReaderGone();
            return false;
        }
        catch (Exception ex) when (_context.IsFirst)
        {
            // Without a first snapshot there is nothing to follow: fail like --once would.
            int exitCode = ex is NetworkNamespaceException ? ExitCodes.Usage : ExitCodes.Failure;
            _status.Fail(exitCode);
            LogFirstCycleFailed(ex is OutputStartException ? ex.Message : $"cannot take the first snapshot: {ex.Message}");
            return false;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is not AgentStateException)
        {
            _context.FailedCycles++;
            LogCycleFailed(_context.CycleNumber, ex);
            return true;
        }
        finally
        {
            _context.PreviousCycleDuration = _context.TimeProvider.GetUtcNow() - startedAt;
            _metrics.OnCycleEnded(_context, _cycle, completed, _context.PreviousCycleDuration);
        }
    }

    /// <summary>SIGHUP: the reloadable settings change, the others are named once, a refused file changes nothing.</summary>
    private void Reload(PeriodicTimer timer)
    {
        // The file output is reopened whatever the configuration says: logrotate's postrotate sends the signal for that.
        _context.ReopenGeneration++;
        ConfigurationReload.Result result = ConfigurationReload.Apply(_context.Options, _reload);
        if (result.Refusal is { } refusal)
        {
            LogReloadRefused(refusal);
            return;
        }
        _context.Options = result.Options;
        timer.Period = TickPeriod(result.Options.Interval);
        if (result.Kept.Count > 0)
        {
            LogReloadKept(string.Join(", ", result.Kept));
        }
        LogReloaded(result.Applied.Count == 0 ? "none" : string.Join(", ", result.Applied));
    }

    /// <summary>Flushes stdout; false when its reader went away (the agent must stop).</summary>
    private async Task<bool> FlushOutputAsync()
    {
        try
        {
            await _context.Output.FlushAsync();
            return true;
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
            LogReaderGone();
            return false;
        }
    }

    private async Task<bool> FlushAndPersistAsync()
    {
        if (!await FlushOutputAsync())
        {
            return false;
        }

        // What every output has settled, not merely what was emitted: a Kafka spool that holds events only in memory
        // (its disk full) or has drops not yet named keeps this behind, so a stop or crash then is named by the next
        // run's unclean-stop loss line rather than losing those events silently.
        long last = _cycle.LastSettled(_context.Sequencer.Last);
        if (last != _savedSequence)
        {
            // Never stops the agent: numbers are reserved on disk before use, so a failed save here can only make
            // the loss line after a crash name a wider range (the store reports the failure itself).
            _store.SaveSequence(last);
            _savedSequence = last;
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stdout was closed by its reader: stopping")]
    private partial void LogReaderGone();

    [LoggerMessage(Level = LogLevel.Error, Message = "SIGHUP: the configuration was refused, the running one is kept: {Reason}")]
    private partial void LogReloadRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIGHUP: these settings change only at a restart and keep their running value: {Settings}")]
    private partial void LogReloadKept(string settings);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: configuration reloaded; settings changed: {Settings}")]
    private partial void LogReloaded(string settings);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}")]
    private partial void LogFirstCycleFailed(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "a step between cycles failed; the next cycle will try again")]
    private partial void LogStepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "cycle {Cycle} failed; the next one will try again")]
    private partial void LogCycleFailed(long cycle, Exception exception);

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }
}
