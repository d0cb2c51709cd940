using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Hosting.Telemetry;
using SocketAgent.Tests.Telemetry;

namespace SocketAgent.Tests.Operations;

/// <summary>
/// The endpoint in-process (Kestrel, the OpenTelemetry Prometheus exporter over the agent's instruments), over real
/// loopback sockets: routes, HEAD, oversized heads, slow clients by the thousand, stop, and a port in use. The scrape
/// is parsed by the Python <c>prometheus_client</c> parser, not by code of ours.
/// </summary>
[Collection(nameof(AgentMetersCollection))]
public sealed class OperationsEndpointTests : IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private readonly AgentMetrics _metrics = new(enabled: true);
    private readonly TelemetryExport _export;
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private OperationsEndpoint _endpoint = null!;

    public OperationsEndpointTests()
    {
        var options = new AgentOptions { HttpListen = new IPEndPoint(IPAddress.Loopback, 0) };
        _export = TelemetryExport.Create(options, "agent \"quoted\"\nid", "test-host", NullLoggerFactory.Instance)!;
    }

    private Uri Url(string path) => new($"http://127.0.0.1:{_endpoint.LocalEndPoint.Port}{path}");

    public ValueTask InitializeAsync()
    {
        _endpoint = OperationsEndpoint.Start(new IPEndPoint(IPAddress.Loopback, 0), _export.Provider, _metrics.Health, NullLoggerFactory.Instance);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        _export.Dispose();
        _metrics.Dispose();
        _client.Dispose();
    }

    private void PublishOneCycle() =>
        _metrics.OnCycleEnded(new CycleContext
        {
            Options = new AgentOptions(),
            Identity = new SocketAgent.Events.AgentIdentity("agent", "eph", "9.9.9", null),
            Sequencer = null!,
            Output = Stream.Null,
            TimeProvider = TimeProvider.System,
            Logger = NullLogger.Instance,
            StartedAt = DateTimeOffset.UtcNow,
            CycleNumber = 1,
        }, new NoMetricsCycle(), completed: true, TimeSpan.FromMilliseconds(7));

    /// <summary>Raw bytes in, raw answer out: what a scraper, a scanner or a broken client would send.</summary>
    private async Task<string> ExchangeAsync(string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_endpoint.LocalEndPoint, Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), Token);
        return await ReadToEndOrResetAsync(socket);
    }

    private static async Task<string> ReadToEndOrResetAsync(Socket socket)
    {
        var answer = new MemoryStream();
        byte[] buffer = new byte[4096];
        int read;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Cut off: what was read so far is the answer.
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    [Fact]
    public async Task Healthz_is_503_before_the_first_snapshot_and_200_after()
    {
        using HttpResponseMessage before = await _client.GetAsync(Url("/healthz"), Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal("application/json", before.Content.Headers.ContentType!.MediaType);
        Assert.Contains("\"reasons\":[\"the first snapshot is not out yet\"]", await before.Content.ReadAsStringAsync(Token));

        PublishOneCycle();

        using HttpResponseMessage after = await _client.GetAsync(Url("/healthz"), Token);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.StartsWith("{\"status\":\"ready\",\"cycles\":1,", await after.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task Metrics_parse_with_prometheus_clients_parser_in_both_formats_with_the_resource_as_target_info()
    {
        PublishOneCycle();

        foreach (bool openMetrics in (bool[])[false, true])
        {
            PrometheusScrape scrape = await PrometheusScrape.GetAsync(_client, Url("/metrics"), openMetrics, Token);

            Assert.Equal(openMetrics ? "application/openmetrics-text" : "text/plain", scrape.ContentType?.Split(';')[0]);
            // Escaped on the wire (a quote, a line feed), intact once parsed.
            Assert.Equal(1, scrape.Sample("target_info", ("service_instance_id", "agent \"quoted\"\nid"), ("service_name", "socket-agent"), ("host_name", "test-host")));
            PrometheusFamily duration = scrape.Family("socket_agent_cycle_duration_seconds");
            Assert.Equal("histogram", duration.Type);
            Assert.Equal(1, scrape.Sample("socket_agent_cycle_duration_seconds_count"));
            Assert.Equal(0.007, scrape.Sample("socket_agent_cycle_duration_seconds_sum"), 6);
            Assert.Equal(1, scrape.Sample("socket_agent_cycle_duration_seconds_bucket", ("le", "0.01")));
            Assert.Equal(0, scrape.Sample("socket_agent_cycle_duration_seconds_bucket", ("le", "0.005")));
            Assert.Equal(1, scrape.Sample("socket_agent_cycles_total"));
            Assert.Equal(1, scrape.Sample("socket_agent_ready"));
            Assert.Equal("counter", scrape.Family("socket_agent_cycles").Type);
        }
    }

    [Theory]
    [InlineData("GET /metrics HTTP/1.1", 200)]
    [InlineData("GET /metrics?name[]=x HTTP/1.0", 200)]
    [InlineData("GET /healthz HTTP/1.1", 503)]
    [InlineData("GET /nothing HTTP/1.1", 404)]
    [InlineData("GET / HTTP/1.1", 404)]
    [InlineData("GET /metrics/ HTTP/1.1", 404)]
    [InlineData("POST /metrics HTTP/1.1", 405)]
    [InlineData("DELETE /healthz HTTP/1.1", 405)]
    [InlineData("PUT /healthz HTTP/1.1", 405)]
    [InlineData("GET /metrics HTTP/2.0", 505)]
    [InlineData("GET http://x/nothing HTTP/1.1", 404)]
    [InlineData("GET /met rics HTTP/1.1", 400)]
    [InlineData("\u0016\u0003\u0001 TLS hello", 400)]
    public async Task Answers_by_method_and_path(string requestLine, int status)
    {
        string answer = await ExchangeAsync(requestLine + "\r\nHost: x\r\nConnection: close\r\n\r\n");

        Assert.StartsWith($"HTTP/1.1 {status} ", answer);
        if (status == 405)
        {
            Assert.Contains("\r\nAllow: GET, HEAD\r\n", answer);
        }
        Assert.DoesNotContain("\r\nServer:", answer);
    }

    [Fact]
    public async Task Head_has_the_status_and_type_of_get_and_no_body()
    {
        PublishOneCycle();

        using HttpResponseMessage head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url("/healthz")), Token);
        using HttpResponseMessage get = await _client.GetAsync(Url("/healthz"), Token);

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Token));
        Assert.NotEmpty(await get.Content.ReadAsByteArrayAsync(Token));
    }

    [Fact]
    public async Task An_oversized_head_gets_431()
    {
        string answer = await ExchangeAsync("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + new string('a', 64 * 1024) + "\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", answer);
    }

    [Fact]
    public async Task Three_thousand_clients_holding_half_a_request_leave_a_fresh_scrape_answered_within_a_second_and_are_cut_off()
    {
        PublishOneCycle();
        var slow = new List<Socket>(3000);
        try
        {
            for (int i = 0; i < 3000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                slow.Add(socket);
                await socket.ConnectAsync(_endpoint.LocalEndPoint, Token);
                await socket.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), Token);
            }

            // Each fresh scrape on a new connection, while all 3,000 hold theirs.
            for (int i = 0; i < 3; i++)
            {
                var watch = Stopwatch.StartNew();
                using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero });
                using HttpResponseMessage fresh = await client.GetAsync(Url("/metrics"), Token);
                string body = await fresh.Content.ReadAsStringAsync(Token);
                watch.Stop();
                Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
                Assert.Contains("socket_agent_cycles_total", body);
                TestContext.Current.TestOutputHelper?.WriteLine($"scrape {i} with 3,000 slow clients: {watch.Elapsed.TotalMilliseconds:F1} ms");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"a scrape took {watch.Elapsed} beside 3,000 slow clients");
            }

            // Kestrel's RequestHeadersTimeout ends them: each read ends with 408 or a close, none hangs.
            var cut = Stopwatch.StartNew();
            string[] ends = await Task.WhenAll(slow.Take(50).Select(ReadToEndOrResetAsync));
            Assert.All(ends, static end => Assert.True(end.Length == 0 || end.StartsWith("HTTP/1.1 408 ", StringComparison.Ordinal), end));
            Assert.True(cut.Elapsed < OperationsEndpoint.RequestHeadersTimeout + TimeSpan.FromSeconds(10), $"cut off after {cut.Elapsed}");
        }
        finally
        {
            slow.ForEach(static s => s.Dispose());
        }
    }

    [Fact]
    public async Task Concurrent_scrapes_all_get_complete_answers()
    {
        PublishOneCycle();

        string[] bodies = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _client.GetStringAsync(Url("/metrics"), Token)));

        foreach (string body in bodies)
        {
            Assert.Equal(1, PrometheusScrape.ParseText(body, openMetrics: false).Sample("socket_agent_cycles_total"));
        }
    }

    [Fact]
    public async Task Stop_closes_the_listener_and_cuts_open_exchanges()
    {
        using var open = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await open.ConnectAsync(_endpoint.LocalEndPoint, Token);
        await open.SendAsync("GET /met"u8.ToArray(), Token);

        await _endpoint.DisposeAsync();

        Assert.DoesNotContain("200 OK", await ReadToEndOrResetAsync(open));
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketException refused = await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(_endpoint.LocalEndPoint, Token));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void A_port_in_use_is_refused_with_a_message_naming_it()
    {
        OperationsEndpointException ex = Assert.Throws<OperationsEndpointException>(() =>
            OperationsEndpoint.Start(_endpoint.LocalEndPoint, _export.Provider, _metrics.Health, NullLoggerFactory.Instance));

        Assert.Equal($"cannot listen on 127.0.0.1:{_endpoint.LocalEndPoint.Port} for the operations endpoint (http.listen): "
            + "the address is already in use (another agent, or another program on that port?)", ex.Message);
    }

    private sealed class NoMetricsCycle : IAgentCycle
    {
        public ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
