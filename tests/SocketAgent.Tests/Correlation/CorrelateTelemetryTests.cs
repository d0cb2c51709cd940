using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Telemetry;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// <c>correlate</c>'s own counters as OpenTelemetry instruments, end to end on the real CLI: pushed over OTLP (decoded
/// by the test's receiver with the OTLP .proto files) with the final counts of its summary line, and scraped from
/// <c>--http-listen</c> (parsed by prometheus_client) while it reads stdin.
/// </summary>
public sealed class CorrelateTelemetryTests : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-correlate-telemetry-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Real event lines: the agent's own snapshot of this host's TCP sockets, and one line that is no event.</summary>
    private string[] EventLines()
    {
        AgentProcess.Result once = AgentProcess.Run("--once", "-t");
        Assert.True(once.ExitCode == 0, once.StandardError);
        Assert.NotEmpty(once.Lines);
        return [.. once.Lines, "this is not an event"];
    }

    [Fact]
    public async Task The_last_otlp_export_carries_the_counts_of_the_summary_line()
    {
        await using OtlpHttpReceiver receiver = await OtlpHttpReceiver.StartAsync(Token);
        string[] lines = EventLines();
        string file = Path.Combine(_dir.FullName, "events.jsonl");
        File.WriteAllLines(file, lines);

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.Environment["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=test";
        foreach (string arg in (string[])[AgentProcess.AssemblyPath, "correlate", "--otlp-endpoint", receiver.BaseUri.ToString(), file])
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(Token);
        await process.StandardOutput.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        Assert.True(process.ExitCode == 0, await stderr);

        OtlpMetricsExport export = await receiver.WaitForMetricAsync("socket_agent.correlate.lines", TimeSpan.FromSeconds(20), Token);
        Assert.Equal("socket-agent-correlate", export.ResourceAttributes["service.name"]);
        Assert.Equal("test", export.ResourceAttributes["deployment.environment.name"]);
        Assert.Equal(lines.Length, export.Metric("socket_agent.correlate.lines").Point().Value);
        Assert.Equal(1, export.Metric("socket_agent.correlate.invalid").Point().Value);
        Assert.Equal("SocketAgent.Correlation", export.Metric("socket_agent.correlate.lines").ScopeName);
        // The summary line says the same counts.
        string summary = (await stderr).Split('\n').Single(static l => l.StartsWith("socket-agent: correlate: ", StringComparison.Ordinal));
        Assert.Contains($"{lines.Length} lines", summary);
        Assert.Contains("1 invalid", summary);
        double ignored = export.Metric("socket_agent.correlate.ignored").Point().Value;
        Assert.Contains($"{ignored} ignored", summary);
        double twoSided = export.Metric("socket_agent.correlate.connections").Point(("correlation.sides", "2")).Value;
        Assert.Contains($"{twoSided} two-sided", summary);
    }

    [Fact]
    public async Task Its_metrics_are_scraped_while_it_reads_and_the_endpoint_closes_with_it()
    {
        string[] lines = EventLines();
        int port = LoopbackPort.Free();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        foreach (string arg in (string[])[AgentProcess.AssemblyPath, "correlate", "--http-listen", $"127.0.0.1:{port}", "-"])
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        try
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync(Token);
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(Token);
            foreach (string line in lines)
            {
                await process.StandardInput.WriteLineAsync(line.AsMemory(), Token);
            }
            await process.StandardInput.FlushAsync(Token);

            // stdin stays open: correlate keeps running, and says what it read so far.
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            PrometheusScrape? scrape = null;
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (scrape?.TrySample("socket_agent_correlate_lines_total") != lines.Length)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the scrape never showed {lines.Length} lines: {scrape?.Text}");
                await Task.Delay(100, Token);
                try
                {
                    scrape = await PrometheusScrape.GetAsync(http, new Uri($"http://127.0.0.1:{port}/metrics"), openMetrics: false, Token);
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }
            Assert.Equal("counter", scrape.Family("socket_agent_correlate_lines").Type);
            Assert.Equal(1, scrape.Sample("socket_agent_correlate_invalid_total"));
            Assert.Equal(1, scrape.Sample("target_info", ("service_name", "socket-agent-correlate")));
            Assert.True(scrape.Sample("process_unix_file_descriptor_count") > 3);
            using (HttpResponseMessage health = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), Token))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(Token);
            Assert.True(process.ExitCode == 0, await stderr);
            await stdout;
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), Token));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("--http-listen", "localhost:1")]
    [InlineData("--otlp-endpoint", "collector:4318")]
    public void A_bad_telemetry_option_is_bad_usage(string option, string value)
    {
        AgentProcess.Result result = AgentProcess.Run("correlate", option, value, "-");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"socket-agent: correlate: {option} '{value}' is not ", result.StandardError);
    }
}
