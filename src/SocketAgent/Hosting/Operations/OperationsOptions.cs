using System.CommandLine;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The daemon's telemetry flags, <c>--http-listen</c> and <c>--otlp-endpoint</c>, taken as text and validated with the
/// other settings (<c>http.listen</c>, <c>otlp.endpoint</c>), so a bad value gets the same one-line refusal and exit
/// code 2 wherever it was set.
/// </summary>
internal sealed class OperationsOptions
{
    public const string SettingKey = "http:listen";

    public Option<string?> HttpListen { get; } = new("--http-listen")
    {
        Description = "Serve /metrics (Prometheus, OpenTelemetry) and /healthz over HTTP on [ADDRESS:]PORT (a bare port binds 127.0.0.1; default off). Example: socket-agent --http-listen 9464",
        HelpName = "[ADDR:]PORT",
    };

    public const string OtlpSettingKey = "otlp:endpoint";

    public Option<string?> OtlpEndpoint { get; } = new("--otlp-endpoint")
    {
        Description = "Push the agent's own metrics over OTLP to this receiver (an OpenTelemetry Collector), e.g. http://127.0.0.1:4318 "
            + "(default off; the standard OTEL_EXPORTER_OTLP_* variables are honoured too).",
        HelpName = "URL",
    };

    public void AddTo(Command command)
    {
        command.Add(HttpListen);
        command.Add(OtlpEndpoint);
    }
}
