using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The signals the daemon answers besides SIGTERM/SIGINT/SIGQUIT (which Microsoft.Extensions.Hosting turns into a
/// clean stop). SIGHUP asks for a reload — the configuration read again and the file output reopened, done by
/// <see cref="AgentLoop"/> between two cycles, never from the handler's thread. SIGUSR1 and SIGUSR2, fatal by
/// default (a stray <c>kill -USR1</c> used to end the agent with nothing flushed), are logged and ignored.
/// </summary>
/// <remarks>
/// <see cref="PosixSignalRegistration"/> is the runtime's own handler (AOT-safe, no P/Invoke of ours); a raw signal
/// number cast to <see cref="PosixSignal"/> is how it takes the signals its enum does not name. SIGPIPE needs nothing:
/// the runtime ignores it, so a closed stdout is an EPIPE the loop handles (exit 0).
/// </remarks>
internal sealed class DaemonSignals : IDisposable
{
    private const int SigUsr1 = 10;
    private const int SigUsr2 = 12;

    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _reloadRequested;

    /// <summary>Registers the handlers: from here on SIGHUP, SIGUSR1 and SIGUSR2 no longer end the process.</summary>
    public DaemonSignals()
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangUp));
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr1, OnIgnored));
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr2, OnIgnored));
    }

    /// <summary>Where the handlers say what they did; null until the host's logger exists (the request still counts).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>True once per SIGHUP burst: several SIGHUPs before the next cycle make one reload.</summary>
    public bool TakeReloadRequest() => Interlocked.Exchange(ref _reloadRequested, 0) != 0;

    private void OnHangUp(PosixSignalContext context)
    {
        // Cancel: the default action (terminate) must not run.
        context.Cancel = true;
        Interlocked.Exchange(ref _reloadRequested, 1);
        Logger?.LogInformation("SIGHUP: the configuration will be read again and the file output reopened before the next cycle");
    }

    private void OnIgnored(PosixSignalContext context)
    {
        context.Cancel = true;
        Logger?.LogInformation("{Signal} ignored (SIGHUP reloads the configuration, SIGTERM stops the agent)", Name(context.Signal));
    }

    private static string Name(PosixSignal signal) => (int)signal switch
    {
        SigUsr1 => "SIGUSR1",
        SigUsr2 => "SIGUSR2",
        _ => signal.ToString(),
    };

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        _registrations.Clear();
    }
}
