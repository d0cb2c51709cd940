using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// Watches the OTLP exporter's requests from inside its <see cref="HttpClient"/> (the exporter's public
/// <c>HttpClientFactory</c> hook), because the exporter itself reports a failed export only to its EventSource: an
/// unreachable or refusing collector would otherwise go unnoticed on a server. Logs one warning when exports start
/// failing (with the reason) and one line when they succeed again — never one per export — and counts failed
/// requests on meter <c>SocketAgent.Telemetry</c> (<c>socket_agent.telemetry.export.failures</c>), which the
/// Prometheus endpoint shows when both exporters are on. The exporter still retries as it is built to.
/// </summary>
internal sealed partial class OtlpExportObserver : IDisposable
{
    public const string MeterName = "SocketAgent.Telemetry";

    private readonly ILogger _logger;
    private readonly Meter _meter = new(MeterName, AgentVersion.Current);
    private readonly Counter<long> _failures;
    private int _failing;

    public OtlpExportObserver(ILogger logger)
    {
        _logger = logger;
        _failures = _meter.CreateCounter<long>("socket_agent.telemetry.export.failures", unit: "{request}",
            description: "OTLP export requests that failed (no answer, or an HTTP error status), retries included.");
    }

    /// <summary>A handler for one <see cref="HttpClient"/> of the exporter (it may make more than one).</summary>
    public HttpMessageHandler CreateHandler() => new ObservingHandler(this) { InnerHandler = new SocketsHttpHandler() };

    private void Failed(string reason)
    {
        _failures.Add(1);
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            LogFailing(reason);
        }
    }

    private void Succeeded()
    {
        if (Interlocked.Exchange(ref _failing, 0) != 0)
        {
            LogRecovered();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP metrics export failing: {Reason} (the exporter retries; logged again when it recovers)")]
    private partial void LogFailing(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "OTLP metrics export recovered")]
    private partial void LogRecovered();

    public void Dispose() => _meter.Dispose();

    /// <summary>
    /// Both paths: the exporter sends with the synchronous <see cref="HttpClient.Send(HttpRequestMessage, CancellationToken)"/>
    /// (from its export thread), which does not go through <see cref="SendAsync"/>.
    /// </summary>
    private sealed class ObservingHandler(OtlpExportObserver observer) : DelegatingHandler
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return Judge(request, base.Send(request, cancellationToken));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                observer.Failed($"{request.RequestUri}: {ex.GetBaseException().Message}");
                throw;
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return Judge(request, await base.SendAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                observer.Failed($"{request.RequestUri}: {ex.GetBaseException().Message}");
                throw;
            }
        }

        private HttpResponseMessage Judge(HttpRequestMessage request, HttpResponseMessage response)
        {
            // gRPC answers 200 and reports failure in its trailers; the status is what can be judged here.
            if (response.IsSuccessStatusCode)
            {
                observer.Succeeded();
            }
            else
            {
                observer.Failed($"{request.RequestUri}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            return response;
        }
    }
}
