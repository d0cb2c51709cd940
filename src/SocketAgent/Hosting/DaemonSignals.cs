using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The signals the daemon answers besides SIGTERM/SIGINT/SIGQUIT (which Microsoft.Extensions.Hosting turns into a
/// clean stop). SIGHUP asks for a reload — the configuration read again and the file output reopened, done by
/// <see cref="AgentLoop"/> between two cycles, never from the handler's thread. The other signals whose default
/// action ends the process without a core dump and that a daemon has no use for — SIGUSR1, SIGUSR2, SIGALRM,
/// SIGVTALRM, SIGPROF, SIGIO, SIGPWR — are logged and ignored: a stray <c>kill -USR1</c> used to end the agent with
/// nothing flushed.
/// </summary>
/// <remarks>
/// <see cref="PosixSignalRegistration"/> is the runtime's own handler (AOT-safe, no P/Invoke of ours); a raw signal
/// number cast to <see cref="PosixSignal"/> is how it takes the signals its enum does not name. SIGPIPE needs nothing:
/// the runtime ignores it, so a closed stdout is an EPIPE the loop handles (exit 0).
/// </remarks>
internal sealed partial class DaemonSignals : IDisposable
{
    /// <summary>Ignored (logged): the Linux numbers, which the runtime takes cast to <see cref="PosixSignal"/>.</summary>
    private static readonly (int Number, string Name)[] s_ignored =
    [
        (10, "SIGUSR1"), (12, "SIGUSR2"), (14, "SIGALRM"), (26, "SIGVTALRM"), (27, "SIGPROF"), (29, "SIGIO"), (30, "SIGPWR"),
    ];

    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _reloadRequested;

    private const int SIGHUP = 1;
    private const nint SIG_DFL = 0;
    private const nint SIG_IGN = 1;

    /// <summary>Registers the handlers: from here on none of these signals ends the process.</summary>
    public DaemonSignals()
    {
        // An ignored disposition survives exec: under `nohup`, or a parent that ignores SIGHUP, the agent starts
        // with SIGHUP ignored, and the runtime leaves an ignored signal ignored — the reload would then never run
        // (seen: the SIGHUP tests under nohup). The agent's SIGHUP means "reload", never "die", so the inherited
        // "ignore" is replaced by the default just before the handler takes the signal.
        if (IgnoredAtStart(SIGHUP))
        {
            _ = Signal(SIGHUP, SIG_DFL);
        }
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangUp));
        foreach ((int number, _) in s_ignored)
        {
            _registrations.Add(PosixSignalRegistration.Create((PosixSignal)number, OnIgnored));
        }
        // Handled from here: a SIGHUP that came while the process started is served as the first reload.
        if (StartupHangUp.Take())
        {
            _reloadRequested = 1;
        }
    }

    /// <summary>Where the handlers say what they did; null until the host's logger exists (the request still counts).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>True once per SIGHUP burst: several SIGHUPs before the next cycle make one reload.</summary>
    public bool TakeReloadRequest() => Interlocked.Exchange(ref _reloadRequested, 0) != 0;

    /// <summary>Whether <paramref name="signal"/>'s disposition is SIG_IGN (read without changing it).</summary>
    internal static unsafe bool IgnoredAtStart(int signal)
    {
        // struct sigaction begins with the handler on every Linux ABI .NET runs on; 256 bytes hold the whole struct.
        byte* action = stackalloc byte[256];
        return SigAction(signal, null, action) == 0 && *(nint*)action == SIG_IGN;
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static unsafe partial int SigAction(int signal, byte* action, byte* oldAction);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    private void OnHangUp(PosixSignalContext context)
    {
        // Cancel: the default action (terminate) must not run.
        context.Cancel = true;
        // Said by the reload itself (one line: reloaded, or refused), before the next cycle.
        Interlocked.Exchange(ref _reloadRequested, 1);
    }

    private void OnIgnored(PosixSignalContext context)
    {
        context.Cancel = true;
        Logger?.LogInformation("{Signal} ignored (SIGHUP reloads the configuration, SIGTERM stops the agent)", Name(context.Signal));
    }

    private static string Name(PosixSignal signal)
    {
        foreach ((int number, string name) in s_ignored)
        {
            if ((int)signal == number)
            {
                return name;
            }
        }
        return signal.ToString();
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        _registrations.Clear();
    }
}
