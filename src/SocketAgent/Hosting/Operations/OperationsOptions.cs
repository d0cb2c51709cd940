using System.CommandLine;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The daemon's <c>--http-listen</c>, taken as text and validated with the other settings (<c>http.listen</c>), so
/// a bad value gets the same one-line refusal and exit code 2 wherever it was set.
/// </summary>
internal sealed class OperationsOptions
{
    public const string SettingKey = "http:listen";

    public Option<string?> HttpListen { get; } = new("--http-listen")
    {
        Description = "Serve /metrics (Prometheus) and /healthz over HTTP on [ADDRESS:]PORT (a bare port binds 127.0.0.1; default off). Example: socket-agent --http-listen 9464",
        HelpName = "[ADDR:]PORT",
    };

    public void AddTo(Command command) => command.Add(HttpListen);
}
