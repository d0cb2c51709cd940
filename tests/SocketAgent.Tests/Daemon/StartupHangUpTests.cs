using System.Globalization;
using SocketAgent.Cli.Hosting;
using SocketAgent.Tests.Deployment;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// A SIGHUP while the process starts, before the daemon's handler exists, is held (<see cref="StartupHangUp"/>), not
/// fatal. Tested in this process with a real signal: the start of the agent is too short to aim a signal at from
/// outside. Were the hold broken, the signal would end the test process, which tests/run-tests.sh reports as a crash.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StartupHangUpTests
{
    private const int SIGHUP = 1;

    [Fact]
    public void A_SIGHUP_before_the_daemon_handles_signals_is_held_until_the_daemon_takes_it()
    {
        // Otherwise the test proves nothing: the test process must not handle SIGHUP by itself.
        Assert.False(Caught(SIGHUP), "the test process already handles SIGHUP");
        StartupHangUp.Hold();
        try
        {
            Assert.True(Caught(SIGHUP), "Hold did not install a SIGHUP handler");
            Assert.False(StartupHangUp.Held);

            ToolRun.Result kill = ToolRun.Run("kill", ["-HUP", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            Assert.True(kill.ExitCode == 0, kill.ToString());
            // The runtime runs the handler on a thread of its own.
            Assert.True(SpinWait.SpinUntil(() => StartupHangUp.Held, TimeSpan.FromSeconds(10)), "the SIGHUP was not held");

            Assert.True(StartupHangUp.Take());
            Assert.False(StartupHangUp.Held);
            // Taken once: the daemon reloads once per held burst.
            Assert.False(StartupHangUp.Take());
        }
        finally
        {
            StartupHangUp.Take();
        }
    }

    /// <summary>Whether this process's SigCgt mask (/proc/self/status) has <paramref name="signal"/>'s bit.</summary>
    private static bool Caught(int signal)
    {
        string line = File.ReadLines("/proc/self/status").Single(static l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
        ulong mask = Convert.ToUInt64(line["SigCgt:".Length..].Trim(), 16);
        return ((mask >> (signal - 1)) & 1) != 0;
    }
}
