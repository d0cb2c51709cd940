using System.Net;
using Microsoft.Extensions.Logging;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Logging;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// <c>socket-agent correlate</c>'s own telemetry, the daemon's way: <c>--http-listen</c> serves <c>/metrics</c>
/// (and a <c>/healthz</c> that is 200 while it runs) and <c>--otlp-endpoint</c> (or the standard <c>OTEL_*</c>
/// variables) pushes the same instruments — <see cref="CorrelationInstruments"/>, the process's and the runtime's —
/// under <c>service.name</c> <c>socket-agent-correlate</c>. Disposed at the end of the run: the last OTLP export then
/// carries the final counts, the ones of the summary line.
/// </summary>
internal sealed class CorrelateTelemetry : IDisposable
{
    private readonly ILoggerFactory _logs;
    private readonly CorrelationInstruments _instruments;
    private readonly ProcessInstruments _process;
    private readonly TelemetryExport _export;
    private readonly OperationsEndpoint? _endpoint;

    private CorrelateTelemetry(ILoggerFactory logs, CorrelationInstruments instruments, ProcessInstruments process, TelemetryExport export, OperationsEndpoint? endpoint)
    {
        _logs = logs;
        _instruments = instruments;
        _process = process;
        _export = export;
        _endpoint = endpoint;
    }

    /// <returns>Null when neither exporter is wanted.</returns>
    /// <exception cref="OperationsEndpointException">The address of <paramref name="listen"/> cannot be bound.</exception>
    public static CorrelateTelemetry? Start(IPEndPoint? listen, Uri? otlpEndpoint, Func<CorrelationFigures> read)
    {
        if (listen is null && !TelemetryExport.OtlpWanted(otlpEndpoint))
        {
            return null;
        }
        ILoggerFactory logs = LoggerFactory.Create(static logging => DaemonHost.ConfigureLogging(logging, LogFormat.Text));
        var instruments = new CorrelationInstruments(read);
        var process = new ProcessInstruments();
        TelemetryExport export = TelemetryExport.Create(listen is not null, otlpEndpoint, "socket-agent-correlate", Guid.NewGuid().ToString(),
            Environment.MachineName, [CorrelationInstruments.MeterName, ProcessInstruments.MeterName], logs)!;
        OperationsEndpoint? endpoint = null;
        try
        {
            endpoint = listen is null ? null : OperationsEndpoint.Start(listen, export.Provider, static () => Running, logs);
        }
        catch (OperationsEndpointException)
        {
            export.Dispose();
            process.Dispose();
            instruments.Dispose();
            logs.Dispose();
            throw;
        }
        return new CorrelateTelemetry(logs, instruments, process, export, endpoint);
    }

    /// <summary>correlate has no cycle to judge: while it answers, it runs.</summary>
    private static HealthReport Running { get; } = new() { Ready = true, Reasons = [], Outputs = [] };

    public void Dispose()
    {
        _endpoint?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _export.Dispose();
        _process.Dispose();
        _instruments.Dispose();
        _logs.Dispose();
    }
}
