using System.CommandLine;
using System.Net;
using System.Text.Json;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent healthcheck [--url URL]</c>: asks a running agent's <c>/healthz</c> and exits 0 when it answers
/// 200, 1 otherwise (not ready, no answer, timeout) — one line on stderr saying which — so a container's
/// <c>HEALTHCHECK</c> or a probe needs no curl in the image.
/// </summary>
internal static class HealthcheckCommand
{
    public static readonly string DefaultUrl = $"http://127.0.0.1:{HttpListenAddress.DefaultPort}/healthz";
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(3);

    public static Command Build(StandardStreams streams)
    {
        var command = new Command("healthcheck",
            $"""
            Ask a running agent's operations endpoint (--http-listen) whether it is ready: exit code 0 when
            /healthz answers 200, 1 when it answers anything else or does not answer in time; one line on stderr.

            Examples:
              socket-agent healthcheck                                   asks {DefaultUrl}
              socket-agent healthcheck --url http://[::1]:9464/healthz   an agent run with --http-listen [::1]:9464
              HEALTHCHECK CMD ["/usr/local/bin/socket-agent", "healthcheck"]   (Dockerfile)
            """);
        var url = new Option<string>("--url")
        {
            Description = "The agent's /healthz URL (http only). Example: socket-agent healthcheck --url http://127.0.0.1:9500/healthz",
            HelpName = "URL",
            DefaultValueFactory = static _ => DefaultUrl,
        };
        var timeout = new Option<string?>("--timeout")
        {
            Description = "How long to wait for the answer (default 3s). Example: socket-agent healthcheck --timeout 1s",
            HelpName = "DURATION",
        };
        command.Add(url);
        command.Add(timeout);
        command.SetAction((result, cancellationToken) =>
        {
            string target = result.GetValue(url)!;
            if (!Uri.TryCreate(target, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                streams.Error.WriteLine($"socket-agent: invalid --url '{target}': expected an http:// URL such as {DefaultUrl}");
                return Task.FromResult(ExitCodes.Usage);
            }
            TimeSpan wait = s_defaultTimeout;
            if (result.GetValue(timeout) is string text && (!DurationText.TryParse(text, out wait) || wait <= TimeSpan.Zero))
            {
                streams.Error.WriteLine($"socket-agent: invalid --timeout '{text}': expected {DurationText.Expected}");
                return Task.FromResult(ExitCodes.Usage);
            }
            return RunAsync(uri, wait, streams.Error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(Uri uri, TimeSpan timeout, TextWriter error, CancellationToken cancellationToken)
    {
        // No proxy (a health check is local; an http_proxy in the container's environment must not reroute it), no redirects.
        using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = timeout };
        using var client = new HttpClient(handler) { Timeout = timeout };
        try
        {
            using HttpResponseMessage response = await client.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            string detail = Describe(body);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                error.WriteLine($"socket-agent: healthcheck: {uri}: 200 {detail}");
                return ExitCodes.Success;
            }
            error.WriteLine($"socket-agent: healthcheck: {uri}: {(int)response.StatusCode} {detail}");
            return ExitCodes.Failure;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error.WriteLine($"socket-agent: healthcheck: {uri}: no answer within {DurationText.Format(timeout)}");
            return ExitCodes.Failure;
        }
        catch (HttpRequestException ex)
        {
            error.WriteLine($"socket-agent: healthcheck: {uri}: {(ex.InnerException ?? ex).Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The agent's JSON answer in a few words: its status and reasons; anything else (not the agent?) cut short.</summary>
    private static string Describe(string body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            string status = root.TryGetProperty("status", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "?";
            if (root.TryGetProperty("reasons", out JsonElement reasons) && reasons.ValueKind == JsonValueKind.Array && reasons.GetArrayLength() > 0)
            {
                return $"{status}: {string.Join("; ", reasons.EnumerateArray().Select(static r => r.ToString()))}";
            }
            return status;
        }
        catch (JsonException)
        {
            string line = body.ReplaceLineEndings(" ").Trim();
            return line.Length <= 120 ? line : line[..120] + "…";
        }
    }
}
