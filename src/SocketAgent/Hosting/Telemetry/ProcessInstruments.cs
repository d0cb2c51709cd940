using System.Diagnostics.Metrics;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// Meter <c>SocketAgent.Process</c>: the one process figure the runtime's own <c>System.Runtime</c> meter (CPU time,
/// working set, GC, thread pool — exported beside it) does not give, the open file descriptors, under its
/// OpenTelemetry semantic-convention name. An agent that holds a netlink socket per namespace, a spool and a
/// producer leaks there first.
/// </summary>
internal sealed class ProcessInstruments : IDisposable
{
    public const string MeterName = "SocketAgent.Process";

    /// <summary>The runtime's built-in meter (.NET 9+): process CPU time and memory, GC, JIT, thread pool, exceptions.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    private readonly Meter _meter = new(MeterName, AgentVersion.Current);

    public ProcessInstruments()
    {
        _meter.CreateObservableUpDownCounter("process.unix.file_descriptor.count", OpenFileDescriptors, unit: "{file_descriptor}",
            description: "Number of unix file descriptors in use by the process.");
    }

    private static IEnumerable<Measurement<long>> OpenFileDescriptors()
    {
        long count;
        try
        {
            count = Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc (a sandbox): no measurement rather than a wrong one.
            yield break;
        }
        yield return new(count);
    }

    public void Dispose() => _meter.Dispose();
}
