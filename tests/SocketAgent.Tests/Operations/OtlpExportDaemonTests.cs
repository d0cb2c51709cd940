using System.Net;
using System.Net.Sockets;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Telemetry;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Operations;

/// <summary>
/// The real daemon pushing its metrics over OTLP/HTTP (protobuf) to a receiver the test starts, which decodes them with
/// the OTLP .proto files and Python's protobuf (independently of the exporter): the same names, units, kinds and values
/// as the Prometheus scrape of the same agent, the resource (<c>service.instance.id</c> = <c>agent.id</c>), the standard
/// <c>OTEL_*</c> variables, and an unreachable collector logged once without harm to the stream.
/// </summary>
public sealed class OtlpExportDaemonTests : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-otlp-");
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _client.Dispose();
        _dir.Delete(recursive: true);
    }

    private string StateDir => Path.Combine(_dir.FullName, "state");


    [Fact]
    public async Task Otlp_carries_the_names_units_kinds_and_values_of_the_scrape_and_the_agent_id_as_the_resource()
    {
        await using OtlpHttpReceiver receiver = await OtlpHttpReceiver.StartAsync(Token);
        int port = LoopbackPort.Free();
        using DaemonProcess agent = DaemonProcess.Start(["--otlp-endpoint", receiver.BaseUri.ToString(), "--http-listen", $"127.0.0.1:{port}",
            "--interval", "200ms", "--state-dir", StateDir, "-t"],
            new Dictionary<string, string> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "500", ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=test" });

        // A connection the stream reports as opened, so that socket_agent.events has its opened point.
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port, Token);
        using TcpClient accepted = await server.AcceptTcpClientAsync(Token);

        OtlpMetricsExport export = await receiver.WaitForExportAsync(
            static e => e.TryMetric("socket_agent.events")?.TryPoint(("event.dataset", "socket"), ("event.action", "opened")) is not null, s_wait, Token);
        PrometheusScrape scrape = await PrometheusScrape.GetAsync(_client, new Uri($"http://127.0.0.1:{port}/metrics"), openMetrics: false, Token);

        string agentId = File.ReadAllText(Path.Combine(StateDir, "agent-id")).Trim();
        Assert.Equal(agentId, export.ResourceAttributes["service.instance.id"]);
        Assert.Equal("socket-agent", export.ResourceAttributes["service.name"]);
        Assert.Equal("test", export.ResourceAttributes["deployment.environment.name"]);
        Assert.Equal(Environment.MachineName, export.ResourceAttributes["host.name"]);
        Assert.Equal(1, scrape.Sample("target_info", ("service_instance_id", agentId), ("deployment_environment_name", "test")));

        // Same instruments, same kinds and units, on both paths.
        OtlpMetric events = export.Metric("socket_agent.events");
        Assert.Equal((OtlpMetricKind.Sum, true, OtlpTemporality.Cumulative, "{event}", "SocketAgent.Events"),
            (events.Kind, events.IsMonotonic, events.Temporality, events.Unit, events.ScopeName));
        Assert.Equal("counter", scrape.Family("socket_agent_events").Type);
        OtlpMetric duration = export.Metric("socket_agent.cycle.duration");
        Assert.Equal((OtlpMetricKind.Histogram, "s"), (duration.Kind, duration.Unit));
        Assert.Equal([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], Assert.Single(duration.Points).ExplicitBounds);
        Assert.Equal("histogram", scrape.Family("socket_agent_cycle_duration_seconds").Type);
        Assert.Equal(OtlpMetricKind.Gauge, export.Metric("socket_agent.ready").Kind);
        Assert.Equal((OtlpMetricKind.Sum, false), (export.Metric("socket_agent.socket.count").Kind, export.Metric("socket_agent.socket.count").IsMonotonic));
        foreach (string name in (string[])["socket_agent.cycles", "socket_agent.cycle.failures", "socket_agent.socket.count", "socket_agent.process.count",
            "socket_agent.network_namespace.count", "socket_agent.warnings", "socket_agent.output.write_errors", "socket_agent.source.info",
            "process.unix.file_descriptor.count", "dotnet.process.cpu.time", "dotnet.process.memory.working_set"])
        {
            Assert.True(export.HasMetric(name), $"no {name} in the OTLP export: {export}");
        }

        // Values that do not move once the first snapshot is out agree exactly; counters only grow from one to the next.
        Assert.Equal(export.Metric("socket_agent.network_namespace.count").Point().Value, scrape.Sample("socket_agent_network_namespace_count"));
        Assert.Equal(export.Metric("socket_agent.events").Point(("event.dataset", "socket"), ("event.action", "snapshot")).Value,
            scrape.Sample("socket_agent_events_total", ("event_dataset", "socket"), ("event_action", "snapshot")));
        Assert.Equal(1, export.Metric("socket_agent.ready").Point().Value);
        Assert.True(export.Metric("socket_agent.cycles").Point().Value <= scrape.Sample("socket_agent_cycles_total"));
        Assert.True(export.Metric("socket_agent.cycles").Point().Value >= 1);
        Assert.True(export.Metric("socket_agent.events").Point(("event.dataset", "socket"), ("event.action", "opened")).Value
            <= scrape.Sample("socket_agent_events_total", ("event_dataset", "socket"), ("event_action", "opened")));

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
        Assert.DoesNotContain("OTLP metrics export failing", agent.StandardError);
    }

    [Fact]
    public async Task The_standard_variables_alone_turn_otlp_on_and_name_the_service()
    {
        await using OtlpHttpReceiver receiver = await OtlpHttpReceiver.StartAsync(Token);
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--state-dir", StateDir, "-t"], new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.BaseUri.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_SERVICE_NAME"] = "edge-agent",
        });

        // An export may come before the first cycle ends (a busy host): the one after it counts one.
        OtlpMetricsExport export = await receiver.WaitForMetricAsync("socket_agent.cycles", e => e.Metric("socket_agent.cycles").Point().Value >= 1, s_wait, Token);

        Assert.Equal("edge-agent", export.ResourceAttributes["service.name"]);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task An_unreachable_collector_is_logged_once_and_the_stream_goes_on()
    {
        int closed = LoopbackPort.Free();
        using DaemonProcess agent = DaemonProcess.Start(["--otlp-endpoint", $"http://127.0.0.1:{closed}", "--interval", "200ms", "--heartbeat", "300ms",
            "--state-dir", StateDir, "-t"], new Dictionary<string, string> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "300", ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1000" });

        // Several export periods, every one refused.
        await Task.Delay(TimeSpan.FromSeconds(4), Token);
        string heartbeat = agent.WaitForLine(static l => l.Contains("\"dataset\":\"agent\"", StringComparison.Ordinal), s_wait);

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
        string[] failing = agent.StandardError.Split('\n').Where(static l => l.Contains("OTLP metrics export failing", StringComparison.Ordinal)).ToArray();
        string line = Assert.Single(failing);
        Assert.Contains($"127.0.0.1:{closed}", line);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(heartbeat);
    }

    [Theory]
    [InlineData("ftp://collector:4318")]
    [InlineData("collector:4318")]
    public void A_bad_endpoint_is_refused_with_exit_code_2(string value)
    {
        Infrastructure.AgentProcess.Result result = DaemonProcess.Run(["--otlp-endpoint", value, "--print-config"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"socket-agent: invalid setting 'otlp.endpoint' = '{value}' ", result.StandardError);
    }
}
