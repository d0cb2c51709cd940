using System.Text.Json;
using SocketAgent.Tests.Daemon;

namespace SocketAgent.Tests.Tracing;

/// <summary>The daemon as the tracing tests run it (200 ms cycles, 1 s heartbeats, its own state directory).</summary>
internal static class TracingAgent
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static void RequireRoot()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("loading BPF programs needs root (CAP_BPF and CAP_PERFMON)");
        }
    }

    public static DaemonProcess Start(DirectoryInfo stateDir, string source, IReadOnlyDictionary<string, string>? environment = null,
        string[]? launcher = null, params string[] extra) =>
        DaemonProcess.Start(
            ["--source", source, "--interval", "200ms", "--heartbeat", "1s", "--state-dir", stateDir.FullName, "-t", .. extra],
            environment, launcher);

    /// <summary>SIGTERM; asserts exit 0 and returns every line the agent wrote.</summary>
    public static List<JsonElement> Stop(DaemonProcess agent)
    {
        int status = agent.Terminate(Wait);
        Assert.True(status == 0, $"exit {status}: {agent.StandardError}");
        return agent.AllLines.Select(static l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    /// <summary>
    /// Waits for a heartbeat stamped at least <paramref name="count"/> cycles after now (lines read earlier may be
    /// queued from before): the cycles before it have drained everything the tracer had when this was called.
    /// </summary>
    public static void WaitForNextHeartbeats(DaemonProcess agent, int count = 2)
    {
        DateTimeOffset after = DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200 * count);
        agent.WaitForLine(l => l.Contains("\"action\":\"heartbeat\"", StringComparison.Ordinal)
            && JsonDocument.Parse(l).RootElement.GetProperty("@timestamp").GetDateTimeOffset() > after, Wait);
    }
}
