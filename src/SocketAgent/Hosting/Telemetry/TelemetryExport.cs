using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// The OpenTelemetry <see cref="MeterProvider"/> that collects the agent's meters (<see cref="AgentMetrics.MeterNames"/>
/// and the runtime's <c>System.Runtime</c>) and hands them to the exporters that are on: the Prometheus scrape
/// endpoint (<c>http.listen</c>, served by <see cref="OperationsEndpoint"/>) and OTLP push (<c>otlp.endpoint</c>, or
/// the standard <c>OTEL_EXPORTER_OTLP_*</c> variables). Neither on: no provider, no instrument, no cost.
/// <para>
/// OTLP goes through the exporter's own configuration, so every standard variable works as the OpenTelemetry
/// specification says (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, <c>_TIMEOUT</c>,
/// <c>OTEL_METRIC_EXPORT_INTERVAL</c>, <c>OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE</c>); <c>--otlp-endpoint</c>
/// only sets the endpoint. The exporter reports failures to an EventSource nobody listens to on a server, so its
/// HTTP client is given a handler that logs the first failure and the recovery (<see cref="OtlpExportObserver"/>).
/// </para>
/// </summary>
internal sealed class TelemetryExport : IDisposable
{
    /// <summary>How long a stop waits for the last OTLP export (the exporter's own timeout bounds each request).</summary>
    private const int ShutdownTimeoutMilliseconds = 3000;

    private readonly OtlpExportObserver? _observer;

    private TelemetryExport(MeterProvider provider, OtlpExportObserver? observer)
    {
        Provider = provider;
        _observer = observer;
    }

    public MeterProvider Provider { get; }

    /// <summary>Whether OTLP push is on: <c>otlp.endpoint</c>, or one of the standard endpoint variables.</summary>
    public static bool OtlpWanted(AgentOptions options) => OtlpWanted(options.OtlpEndpoint);

    /// <summary>Whether OTLP push is on: an endpoint given, or one of the standard endpoint variables.</summary>
    public static bool OtlpWanted(Uri? endpoint) =>
        endpoint is not null
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
        || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));

    /// <summary>An OTLP endpoint as <c>otlp.endpoint</c> and <c>--otlp-endpoint</c> take it: an absolute http(s) URL with a host.</summary>
    public static bool TryParseEndpoint(string text, out Uri? endpoint)
    {
        bool ok = Uri.TryCreate(text, UriKind.Absolute, out endpoint) && endpoint.Scheme is "http" or "https" && endpoint.Host.Length > 0;
        if (!ok)
        {
            endpoint = null;
        }
        return ok;
    }

    /// <summary>The daemon's: the agent's meters, <c>service.instance.id</c> = <c>agent.id</c>.</summary>
    /// <returns>Null when neither exporter is on.</returns>
    public static TelemetryExport? Create(AgentOptions options, string agentId, string hostName, ILoggerFactory logs) =>
        Create(options.HttpListen is not null, options.OtlpEndpoint, "socket-agent", agentId, hostName, AgentMetrics.MeterNames, logs);

    /// <param name="prometheus">Register the Prometheus exporter (an <see cref="OperationsEndpoint"/> serves it).</param>
    /// <param name="otlpEndpoint">Where OTLP pushes; null: only if the standard variables say so.</param>
    /// <param name="meters">The meters to collect, besides the runtime's <c>System.Runtime</c>.</param>
    /// <returns>Null when neither exporter is on.</returns>
    public static TelemetryExport? Create(bool prometheus, Uri? otlpEndpoint, string serviceName, string instanceId, string hostName,
        IEnumerable<string> meters, ILoggerFactory logs)
    {
        bool otlp = OtlpWanted(otlpEndpoint);
        if (!prometheus && !otlp)
        {
            return null;
        }

        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource
                .Clear()
                .AddService(serviceName, serviceVersion: AgentVersion.Current, serviceInstanceId: instanceId, autoGenerateServiceInstanceId: false)
                .AddAttributes([new("host.name", hostName)])
                .AddTelemetrySdk()
                // Last, so that OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override the defaults above.
                .AddEnvironmentVariableDetector())
            .AddMeter([.. meters, ProcessInstruments.RuntimeMeterName]);

        if (prometheus)
        {
            builder.AddPrometheusExporter(static o =>
            {
                // Scrapes that arrive together (two Prometheus servers, a curl beside one) share one collection.
                o.ScrapeResponseCacheDurationMilliseconds = 300;
                o.ScrapeEndpointPath = OperationsEndpoint.MetricsPath;
            });
        }

        OtlpExportObserver? observer = null;
        if (otlp)
        {
            var watching = observer = new OtlpExportObserver(logs.CreateLogger("SocketAgent.Telemetry"));
            builder.AddMeter(OtlpExportObserver.MeterName);
            builder.AddOtlpExporter(exporter =>
            {
                if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL"))
                    && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")))
                {
                    // The specification's default (and the collector's port 4318); the .NET exporter's own is gRPC.
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                }
                if (otlpEndpoint is Uri configured)
                {
                    // An endpoint set in code is used as it is (the exporter appends /v1/metrics only to the
                    // variable's): give http/protobuf its signal path as OTEL_EXPORTER_OTLP_ENDPOINT would have it.
                    exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf && configured.AbsolutePath is "/" or ""
                        ? new Uri(configured, "v1/metrics")
                        : configured;
                }
                int timeout = exporter.TimeoutMilliseconds;
                exporter.HttpClientFactory = () => new HttpClient(watching.CreateHandler()) { Timeout = TimeSpan.FromMilliseconds(timeout) };
            });
        }
        return new TelemetryExport(builder.Build(), observer);
    }

    public void Dispose()
    {
        // Shutdown exports what OTLP has not sent yet (the last cycle's figures), bounded; Dispose alone would not wait.
        Provider.Shutdown(ShutdownTimeoutMilliseconds);
        Provider.Dispose();
        _observer?.Dispose();
    }
}
