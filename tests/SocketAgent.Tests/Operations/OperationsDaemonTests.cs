using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Delivery.Kafka;
using SocketAgent.Tests.Deployment;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Telemetry;

namespace SocketAgent.Tests.Operations;

/// <summary>
/// The real daemon with <c>--http-listen</c>: /metrics scraped over HTTP and parsed by the Python
/// <c>prometheus_client</c> parser (not by code of ours), counters that follow a real socket, the delivery latency histogram of a daemon delivering to the mock Kafka cluster, /healthz
/// for a healthy agent and for one whose file output cannot write, and
/// <c>socket-agent healthcheck</c>'s exit codes against it and against a closed port.
/// </summary>
public sealed class OperationsDaemonTests : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-ops-");
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly int _port = LoopbackPort.Free();

    public void Dispose()
    {
        _client.Dispose();
        _dir.Delete(recursive: true);
    }

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    private DaemonProcess Start(string[] extra, IReadOnlyDictionary<string, string>? environment = null) =>
        DaemonProcess.Start([.. extra, "--http-listen", $"127.0.0.1:{_port}", "--interval", "200ms", "--heartbeat", "300ms",
            "--state-dir", Path.Combine(_dir.FullName, "state"), "-t"], environment);

    /// <summary>A port nobody listens on right now (the kernel's pick, released at once).</summary>

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using HttpResponseMessage response = await _client.GetAsync(Url(path), Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Token));
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="done"/> accepts an answer (connection refused while the agent starts).</summary>
    private async Task<(HttpStatusCode Status, string Body)> WaitForAsync(string path, Func<HttpStatusCode, string, bool> done, DaemonProcess agent)
    {
        DateTime deadline = DateTime.UtcNow + s_wait;
        (HttpStatusCode, string)? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                (HttpStatusCode status, string body) = await GetAsync(path);
                last = (status, body);
                if (done(status, body))
                {
                    return (status, body);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100, Token);
        }
        throw new TimeoutException($"{path}: last answer {last}; stderr: {agent.StandardError}");
    }

    private async Task<PrometheusScrape> ScrapeAsync()
    {
        PrometheusScrape scrape = await PrometheusScrape.GetAsync(_client, new Uri(Url("/metrics")), openMetrics: false, Token);
        Assert.StartsWith("text/plain", scrape.ContentType);
        Assert.Contains("version=0.0.4", scrape.ContentType);
        return scrape;
    }

    private static double Events(PrometheusScrape metrics, string action) =>
        metrics.Samples("socket_agent_events_total").Where(s => s.Has(("event_dataset", "socket"), ("event_action", action))).Sum(static s => s.Value);

    private async Task<PrometheusScrape> WaitForMetricsAsync(Func<PrometheusScrape, bool> done)
    {
        DateTime deadline = DateTime.UtcNow + s_wait;
        PrometheusScrape metrics;
        while (!done(metrics = await ScrapeAsync()))
        {
            Assert.True(DateTime.UtcNow < deadline, "the metrics never showed the change");
            await Task.Delay(100, Token);
        }
        return metrics;
    }

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_the_counters_follow_a_real_socket()
    {
        using DaemonProcess agent = Start([]);
        await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.OK, agent);

        PrometheusScrape before = await ScrapeAsync();
        foreach (string family in (string[])[
            "target_info", "socket_agent_ready", "socket_agent_cycles", "socket_agent_cycle_failures", "socket_agent_cycle_duration_seconds",
            "socket_agent_cycle_last_success_time_seconds", "socket_agent_events", "socket_agent_events_filtered", "socket_agent_socket_count",
            "socket_agent_process_count", "socket_agent_network_namespace_count", "socket_agent_warnings", "socket_agent_output_write_errors",
            "socket_agent_source_info", "process_unix_file_descriptor_count", "dotnet_process_memory_working_set_bytes", "dotnet_process_cpu_time_seconds"])
        {
            Assert.NotNull(before.TryFamily(family));
        }
        foreach (PrometheusFamily family in before.Families.Where(static f => f.Name.StartsWith("socket_agent_", StringComparison.Ordinal)))
        {
            Assert.False(string.IsNullOrWhiteSpace(family.Help), $"{family.Name} has no HELP");
            // Each series names the meter (the component) it comes from.
            Assert.All(family.Samples, static s => Assert.StartsWith("SocketAgent.", s.Labels["otel_scope_name"]));
        }
        Assert.Equal("counter", before.Family("socket_agent_events").Type);
        Assert.Equal("gauge", before.Family("socket_agent_socket_count").Type);
        Assert.Equal("histogram", before.Family("socket_agent_cycle_duration_seconds").Type);
        string agentId = File.ReadAllText(Path.Combine(_dir.FullName, "state", "agent-id")).Trim();
        Assert.Equal(1, before.Sample("target_info", ("service_instance_id", agentId), ("service_name", "socket-agent")));
        Assert.Equal(1, before.Sample("socket_agent_ready"));
        Assert.True(before.Sample("socket_agent_events_total", ("event_dataset", "socket"), ("event_action", "snapshot")) > 0);
        // The duration is recorded as a cycle ends, the count published just after: a scrape between the two sees one more.
        Assert.InRange(before.Sample("socket_agent_cycle_duration_seconds_count") - before.Sample("socket_agent_cycles_total"), 0, 1);
        double lastCycle = before.Sample("socket_agent_cycle_last_success_time_seconds");
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - lastCycle, -1, 10);
        Assert.Equal(0, before.Sample("socket_agent_output_write_errors_total", ("socket_agent_output", "stdout")));
        Assert.True(before.Sample("dotnet_process_memory_working_set_bytes") > 1 << 20);
        Assert.True(before.Sample("process_unix_file_descriptor_count") > 3);

        double opened = Events(before, "opened"), closed = Events(before, "closed");
        using (var server = new TcpListener(IPAddress.Loopback, 0))
        {
            server.Start();
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port, Token);
            using TcpClient accepted = await server.AcceptTcpClientAsync(Token);
            // The listener, the client and the accepted end: three opened sockets at least.
            PrometheusScrape during = await WaitForMetricsAsync(m => Events(m, "opened") >= opened + 3);
            Assert.True(during.Sample("socket_agent_socket_count") >= 3);
            Assert.True(during.Sample("socket_agent_cycles_total") > before.Sample("socket_agent_cycles_total"));
        }
        await WaitForMetricsAsync(m => Events(m, "closed") >= closed + 2);

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
        Assert.Contains($"operations endpoint listening on http://127.0.0.1:{_port}", agent.StandardError);
        // Stopped with the agent: nothing listens any more.
        await Assert.ThrowsAsync<HttpRequestException>(() => _client.GetAsync(Url("/healthz"), Token));
    }

    [Fact]
    public async Task Healthz_is_200_when_ready_and_healthcheck_exits_0_then_1_once_the_agent_is_gone()
    {
        using DaemonProcess agent = Start([]);
        (_, string body) = await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.OK, agent);
        using (JsonDocument health = JsonDocument.Parse(body))
        {
            Assert.Equal("ready", health.RootElement.GetProperty("status").GetString());
            Assert.Equal("ok", health.RootElement.GetProperty("outputs").GetProperty("stdout").GetString());
            Assert.Equal(0, health.RootElement.GetProperty("reasons").GetArrayLength());
        }
        using (HttpResponseMessage head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url("/healthz")), Token))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        AgentProcess.Result ready = DaemonProcess.Run(["healthcheck", "--url", Url("/healthz")]);
        Assert.Equal(0, ready.ExitCode);
        Assert.Equal("", ready.StandardOutput);
        Assert.Equal($"socket-agent: healthcheck: {Url("/healthz")}: 200 ready\n", ready.StandardError);

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));

        AgentProcess.Result gone = DaemonProcess.Run(["healthcheck", "--url", Url("/healthz"), "--timeout", "2s"]);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal("", gone.StandardOutput);
        string line = Assert.Single(gone.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"socket-agent: healthcheck: {Url("/healthz")}: ", line);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_file_output_that_cannot_write_makes_healthz_503_with_the_reason()
    {
        string directory = Path.Combine(_dir.FullName, "out");
        Directory.CreateDirectory(directory);
        // Small files: the next rotation must reopen the path, and its directory will be gone by then.
        using DaemonProcess agent = Start(["--output", "file", "--file-path", Path.Combine(directory, "events.jsonl")],
            new Dictionary<string, string> { ["SOCKETAGENT_FILE__MAX_BYTES"] = "4096" });
        await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.OK, agent);

        Directory.Delete(directory, recursive: true);

        (_, string body) = await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.ServiceUnavailable, agent);
        using (JsonDocument health = JsonDocument.Parse(body))
        {
            Assert.Equal("not_ready", health.RootElement.GetProperty("status").GetString());
            Assert.Equal("failing", health.RootElement.GetProperty("outputs").GetProperty("file").GetString());
            string reason = Assert.Single(health.RootElement.GetProperty("reasons").EnumerateArray()).GetString()!;
            Assert.StartsWith("output file failed to write", reason);
        }
        PrometheusScrape metrics = await ScrapeAsync();
        Assert.True(metrics.Sample("socket_agent_output_write_errors_total", ("socket_agent_output", "file")) > 0);
        Assert.Equal(0, metrics.Sample("socket_agent_ready"));

        AgentProcess.Result check = DaemonProcess.Run(["healthcheck", "--url", Url("/healthz")]);
        Assert.Equal(1, check.ExitCode);
        Assert.StartsWith($"socket-agent: healthcheck: {Url("/healthz")}: 503 not_ready: output file failed to write", check.StandardError);

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task A_kafka_outage_is_spooling_on_healthz_the_heartbeat_and_metrics_and_its_repeated_errors_are_logged_once()
    {
        // An unresolvable broker: librdkafka fails every reconnect, the loop every pass; before, 134 lines in 6 s.
        using DaemonProcess agent = Start(["--output", "kafka", "--output", "stdout", "--kafka-bootstrap-servers", "broker.invalid:9092", "--kafka-topic", "ops-test"]);
        (HttpStatusCode status, string body) = await WaitForAsync("/healthz",
            static (_, body) => body.Contains("\"kafka\":\"spooling\"", StringComparison.Ordinal), agent);
        Assert.Equal(HttpStatusCode.OK, status); // the spool absorbs the outage: still ready
        PrometheusScrape metrics = await ScrapeAsync();
        Assert.Equal(1, metrics.Sample("socket_agent_delivery_spooling"));
        Assert.Equal(0, metrics.Sample("socket_agent_spool_write_failing"));
        string heartbeat = agent.WaitForLine(static l => l.Contains("\"spooling\":1", StringComparison.Ordinal), s_wait);
        Assert.Contains("\"dataset\":\"agent\"", heartbeat);

        await Task.Delay(TimeSpan.FromSeconds(5), Token);
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
        string[] lines = agent.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.Current.TestOutputHelper?.WriteLine($"{lines.Length} stderr lines:\n{agent.StandardError}");
        // Each kind of failure once (then summarised each minute), however many times it repeats.
        Assert.True(lines.Length <= 10, $"{lines.Length} stderr lines in a 15 s outage:\n{agent.StandardError}");
        Assert.Equal(lines.Length, lines.Distinct().Count());
    }

    [Fact]
    public async Task Kafka_down_is_ready_while_the_spool_absorbs_it_and_503_once_the_spool_is_full()
    {
        // A broker address nobody answers on, and the smallest spool: a few thousand socket events fill it.
        using DaemonProcess agent = Start(["--output", "kafka", "--kafka-bootstrap-servers", $"127.0.0.1:{LoopbackPort.Free()}", "--kafka-topic", "ops-test"],
            new Dictionary<string, string> { ["SOCKETAGENT_SPOOL__MAX_BYTES"] = "1048576" });
        (_, string ready) = await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.OK, agent);
        Assert.Contains("\"kafka\":", ready);

        var connections = new List<TcpClient>();
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start(1000);
        try
        {
            (HttpStatusCode Status, string Body) full = (HttpStatusCode.OK, "");
            for (int round = 0; round < 10 && full.Status != HttpStatusCode.ServiceUnavailable; round++)
            {
                // 300 connections opened and closed: 1,200 socket events of about a kilobyte each per round.
                for (int i = 0; i < 300; i++)
                {
                    var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port, Token);
                    connections.Add(client);
                    connections.Add(await server.AcceptTcpClientAsync(Token));
                }
                await WaitForMetricsAsync(m => m.Sample("socket_agent_socket_count") >= 600);
                connections.ForEach(static c => c.Dispose());
                connections.Clear();
                await Task.Delay(1000, Token);
                full = await GetAsync("/healthz");
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, full.Status);
            using JsonDocument health = JsonDocument.Parse(full.Body);
            Assert.Equal("failing", health.RootElement.GetProperty("outputs").GetProperty("kafka").GetString());
            Assert.Contains(health.RootElement.GetProperty("reasons").EnumerateArray(),
                static r => r.GetString()!.StartsWith("the kafka spool", StringComparison.Ordinal));

            PrometheusScrape metrics = await ScrapeAsync();
            Assert.True(metrics.Sample("socket_agent_spool_dropped_total") > 0);
            Assert.Equal(1048576, metrics.Sample("socket_agent_spool_limit_bytes"));
            Assert.True(metrics.Sample("socket_agent_spool_size_bytes") > 0.9 * 1048576);
            Assert.True(metrics.Sample("socket_agent_spool_watermark_lag") > 0);
            Assert.Equal(0, metrics.Sample("socket_agent_delivery_confirmed_total"));
            Assert.Equal(1, metrics.Samples("socket_agent_delivery_circuit_state").Sum(static s => s.Value));
        }
        finally
        {
            connections.ForEach(static c => c.Dispose());
        }
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Kafka_up_exports_the_delivery_latency_as_a_histogram_that_counts_the_confirmed_events()
    {
        using var cluster = new MockKafkaCluster(1);
        string topic = "socket-agent-ops-" + Guid.NewGuid().ToString("N");
        cluster.CreateTopic(topic, partitions: 1, replicationFactor: 1);
        using DaemonProcess agent = Start(["--output", "kafka", "--output", "stdout", "--kafka-bootstrap-servers", cluster.BootstrapServers, "--kafka-topic", topic]);
        await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.OK, agent);

        // The first full snapshot and the heartbeats are confirmed by the mock cluster within moments.
        PrometheusScrape metrics = await WaitForMetricsAsync(static m => m.TrySample("socket_agent_delivery_latency_seconds_count") > 0);

        PrometheusFamily latency = metrics.Family("socket_agent_delivery_latency_seconds");
        Assert.Equal("histogram", latency.Type);
        double count = metrics.Sample("socket_agent_delivery_latency_seconds_count");
        Assert.True(metrics.Sample("socket_agent_delivery_latency_seconds_sum") > 0);
        Assert.Equal(count, metrics.Sample("socket_agent_delivery_latency_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "+Inf"],
            latency.Samples.Where(static s => s.Name == "socket_agent_delivery_latency_seconds_bucket").Select(static s => s.Labels["le"]));
        // One observation per confirmed send: never more than were sent. The histogram is recorded as sends are
        // confirmed and the counters are published at the end of a cycle, so the counters are read a cycle later.
        double cycles = metrics.Sample("socket_agent_cycles_total");
        PrometheusScrape later = await WaitForMetricsAsync(m => m.Sample("socket_agent_cycles_total") >= cycles + 2);
        Assert.True(count <= later.Sample("socket_agent_delivery_sent_total"), $"{count} latencies, {later.Sample("socket_agent_delivery_sent_total")} sent");
        Assert.True(later.Sample("socket_agent_delivery_confirmed_total") > 0);
        Assert.Equal(1, metrics.Sample("socket_agent_delivery_circuit_state", ("socket_agent_circuit_state", "closed")));

        // With the Kafka output every series the README's table names exists (OTLP's export failures and correlate's apart), and so
        // does every metric the Grafana dashboard queries.
        var families = metrics.Families.Select(static f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string name in MetricsTableTests.DocumentedPrometheusNames()
            .Where(static n => !n.StartsWith("socket_agent_telemetry_", StringComparison.Ordinal) && !n.StartsWith("socket_agent_correlate_", StringComparison.Ordinal)))
        {
            Assert.True(metrics.TryFamily(name) is not null, $"{name} is in the README's table but not in the scrape");
        }
        foreach (string name in GrafanaDashboard.MetricNames(Path.Combine(RepositoryFiles.Root, "deploy", "grafana", "socket-agent.json")))
        {
            Assert.True(metrics.TryFamily(name) is not null || metrics.Samples(name).Count > 0, $"the dashboard queries {name}, which the agent does not export");
        }

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Beside_three_thousand_slow_clients_a_fresh_scrape_is_answered_within_a_second_and_the_cycles_go_on()
    {
        // What the cycles cost beside the slow clients is printed, not asserted: on a shared 2-core machine a busy
        // neighbour moved the ratio from 1.1x to 6x between two runs of the same build. It is a benchmark figure (see the
        // README's telemetry section); this test holds the behaviour: the endpoint answers and the cycles keep running.
        // UDP only: the TCP connections below are not sockets the cycle reports. But every process's descriptors are
        // walked to find socket owners, so 3,000 connections cost the cycle something wherever they are held: the
        // baseline is the same number of idle connections held between two sockets of this test, and what is compared
        // is the cost of the endpoint serving 3,000 slow clients beside the collection.
        using DaemonProcess agent = DaemonProcess.Start(["--http-listen", $"127.0.0.1:{_port}", "--interval", "200ms",
            "--state-dir", Path.Combine(_dir.FullName, "state"), "-u"]);
        await WaitForAsync("/healthz", static (status, _) => status == HttpStatusCode.OK, agent);

        async Task<(double Sum, double Count)> CyclesAsync()
        {
            PrometheusScrape m = await ScrapeAsync();
            return (m.Sample("socket_agent_cycle_duration_seconds_sum"), m.Sample("socket_agent_cycle_duration_seconds_count"));
        }
        async Task<double> MeanCycleAsync(TimeSpan window)
        {
            (double Sum, double Count) first = await CyclesAsync();
            await Task.Delay(window, Token);
            (double Sum, double Count) last = await CyclesAsync();
            Assert.True(last.Count - first.Count >= 5, $"only {last.Count - first.Count} cycles in {window}");
            return (last.Sum - first.Sum) / (last.Count - first.Count);
        }

        var sockets = new List<Socket>(6000);
        double idle;
        using (var elsewhere = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            elsewhere.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            elsewhere.Listen(4096);
            try
            {
                for (int i = 0; i < 3000; i++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(socket);
                    await socket.ConnectAsync(elsewhere.LocalEndPoint!, Token);
                    sockets.Add(await elsewhere.AcceptAsync(Token));
                }
                await Task.Delay(500, Token);
                idle = await MeanCycleAsync(TimeSpan.FromMilliseconds(2500));
            }
            finally
            {
                sockets.ForEach(static s => s.Dispose());
                sockets.Clear();
            }
        }

        try
        {
            for (int i = 0; i < 3000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, _port, Token);
                await socket.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), Token);
            }
            await Task.Delay(500, Token);
            // Within Kestrel's 5 s header timeout from the first of them: all are still held.
            double abused = await MeanCycleAsync(TimeSpan.FromMilliseconds(2500));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var fresh = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            string body = await fresh.GetStringAsync(Url("/metrics"), Token);
            watch.Stop();

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"mean cycle {idle * 1000:F2} ms beside 3,000 idle connections, {abused * 1000:F2} ms beside 3,000 slow clients of the endpoint "
                + $"({abused / idle:F2}x); a fresh scrape {watch.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Contains("socket_agent_cycles_total", body);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"a scrape took {watch.Elapsed} beside 3,000 slow clients");
        }
        finally
        {
            sockets.ForEach(static s => s.Dispose());
        }
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public void A_port_in_use_stops_the_agent_at_start_with_one_line_naming_it()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, _port));
        taken.Listen();

        AgentProcess.Result result = DaemonProcess.Run(["--http-listen", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--state-dir", Path.Combine(_dir.FullName, "state"), "-t"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Equal($"socket-agent: error: cannot listen on 127.0.0.1:{_port} for the operations endpoint (http.listen): "
            + "the address is already in use (another agent, or another program on that port?)\n", result.StandardError);
    }

    [Theory]
    [InlineData("--http-listen", "70000")]
    [InlineData("--http-listen", "localhost:9464")]
    [InlineData("SOCKETAGENT_HTTP__LISTEN", "0")]
    public void A_bad_address_is_refused_with_exit_code_2(string where, string value)
    {
        AgentProcess.Result result = where.StartsWith("--", StringComparison.Ordinal)
            ? DaemonProcess.Run([where, value, "--print-config"])
            : DaemonProcess.Run(["--print-config"], new Dictionary<string, string> { [where] = value });

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.StartsWith($"socket-agent: invalid setting 'http.listen' = '{value}' ", result.StandardError);
        Assert.Contains("expected a port (on 127.0.0.1), or ADDRESS:PORT", result.StandardError);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/healthz")]
    [InlineData("not a url")]
    public void Healthcheck_refuses_a_url_it_cannot_use(string url)
    {
        AgentProcess.Result result = DaemonProcess.Run(["healthcheck", "--url", url]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"socket-agent: invalid --url '{url}'", result.StandardError);
    }
}
