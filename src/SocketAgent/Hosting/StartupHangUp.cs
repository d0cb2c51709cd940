using System.Runtime.InteropServices;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// A SIGHUP while the process starts — before the command is known, before the daemon's own handler exists — is held
/// rather than fatal. The daemon (<see cref="DaemonSignals"/>) takes a held one as a reload request; every other
/// command gets SIGHUP's default back as soon as it is known, and a held one then ends it as SIGHUP would have.
/// Without this, a SIGHUP during the start (runtime, command line, configuration file: about a tenth of a second, or
/// as long as reading the configuration blocks) ended the daemon with exit 129 and nothing said: a
/// <c>systemctl reload</c> right after a start, or logrotate's postrotate at the wrong moment.
/// </summary>
/// <remarks>
/// Only the runtime's own start-up, before <c>Main</c>, stays uncovered (milliseconds with native AOT). An inherited
/// "ignore" (nohup) is left alone: such a process does not die of SIGHUP anyway, and the daemon replaces the ignore
/// with its handler.
/// </remarks>
internal static partial class StartupHangUp
{
    private const int SIGHUP = 1;

    private static PosixSignalRegistration? s_registration;
    private static int s_held;

    /// <summary>From here until <see cref="Take"/> or <see cref="Release"/>, a SIGHUP is held. The first thing <c>Main</c> does.</summary>
    public static void Hold()
    {
        if (DaemonSignals.IgnoredAtStart(SIGHUP))
        {
            return;
        }
        s_registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, static context =>
        {
            context.Cancel = true;
            Interlocked.Exchange(ref s_held, 1);
        });
    }

    /// <summary>Whether a SIGHUP came since <see cref="Hold"/> and waits to be taken or released.</summary>
    public static bool Held => Volatile.Read(ref s_held) != 0;

    /// <summary>The daemon's handler is registered: stops holding, and says whether a SIGHUP was held meanwhile.</summary>
    public static bool Take()
    {
        Interlocked.Exchange(ref s_registration, null)?.Dispose();
        return Interlocked.Exchange(ref s_held, 0) != 0;
    }

    /// <summary>Not the daemon: SIGHUP gets its default back, and a held one takes effect now (the process ends).</summary>
    public static void Release()
    {
        if (Interlocked.Exchange(ref s_registration, null) is not { } registration)
        {
            return;
        }
        registration.Dispose();
        if (Interlocked.Exchange(ref s_held, 0) != 0)
        {
            // No handler is left: the runtime applies the default action, as if the signal had come now.
            _ = Kill(Environment.ProcessId, SIGHUP);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
