namespace SocketAgent.Cli.Hosting;

/// <summary>The daemon's exit code, set by whichever part decided to stop it (0 unless something failed).</summary>
internal sealed class DaemonStatus
{
    private int _exitCode;

    public int ExitCode => Volatile.Read(ref _exitCode);

    /// <summary>Keeps the first failure: a later one (while stopping) must not hide the cause.</summary>
    public void Fail(int exitCode) => Interlocked.CompareExchange(ref _exitCode, exitCode, 0);
}
