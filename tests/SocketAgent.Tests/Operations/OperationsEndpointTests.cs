using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SocketAgent.Cli.Hosting;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Tests.Operations;

/// <summary>The endpoint in-process, over real loopback sockets: routes, HEAD, bad and slow clients, the connection bound, stop.</summary>
public sealed class OperationsEndpointTests : IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private static readonly TimeSpan s_exchangeTimeout = TimeSpan.FromSeconds(2);
    private readonly AgentMetrics _metrics = new(enabled: true);
    private readonly OperationsEndpoint _endpoint;
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public OperationsEndpointTests()
    {
        Socket listener = OperationsEndpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        _endpoint = new OperationsEndpoint(listener, new OperationsRoutes(_metrics, TimeSpan.FromSeconds(1), TimeProvider.System),
            NullLogger<OperationsEndpoint>.Instance, s_exchangeTimeout);
    }

    private Uri Url(string path) => new($"http://127.0.0.1:{_endpoint.LocalEndPoint.Port}{path}");

    public async ValueTask InitializeAsync() => await _endpoint.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _endpoint.StopAsync(CancellationToken.None);
        _endpoint.Dispose();
        _client.Dispose();
    }

    private void PublishOneCycle() =>
        _metrics.OnCycleEnded(new CycleContext
        {
            Options = new SocketAgent.Cli.Configuration.AgentOptions(),
            Identity = new SocketAgent.Events.AgentIdentity("agent \"quoted\"\nid", "eph", "9.9.9", null),
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
        return await ReadToEndAsync(socket);
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var answer = new MemoryStream();
        byte[] buffer = new byte[4096];
        int read;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            answer.Write(buffer, 0, read);
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
    public async Task Metrics_is_prometheus_text_with_the_content_type_of_format_0_0_4()
    {
        PublishOneCycle();

        using HttpResponseMessage response = await _client.GetAsync(Url("/metrics"), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        PrometheusText metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync(Token));
        PrometheusText.Sample info = Assert.Single(metrics["socket_agent_build_info"].Samples);
        Assert.Equal("agent \"quoted\"\nid", info.Label("agent_id")); // escaped on the wire, intact once parsed
        Assert.Equal("9.9.9", info.Label("version"));
        Assert.Equal(1, metrics.Value("socket_agent_cycle_duration_seconds_count"));
        Assert.Equal(1, metrics.Value("socket_agent_cycle_duration_seconds_bucket", ("le", "0.01")));
        Assert.Equal(0, metrics.Value("socket_agent_cycle_duration_seconds_bucket", ("le", "0.005")));
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
    [InlineData("get /metrics HTTP/1.1", 400)]
    [InlineData("GET /metrics HTTP/2.0", 400)]
    [InlineData("GET metrics HTTP/1.1", 400)]
    [InlineData("GET /met rics HTTP/1.1", 400)]
    [InlineData("\u0016\u0003\u0001 TLS hello", 400)]
    public async Task Answers_by_method_and_path(string requestLine, int status)
    {
        string answer = await ExchangeAsync(requestLine + "\r\nHost: x\r\n\r\n");

        Assert.StartsWith($"HTTP/1.1 {status} ", answer);
        Assert.Contains("\r\nConnection: close\r\n", answer);
        if (status == 405)
        {
            Assert.Contains("\r\nAllow: GET, HEAD\r\n", answer);
        }
    }

    [Fact]
    public async Task Head_has_the_headers_of_get_and_no_body()
    {
        PublishOneCycle();

        string get = await ExchangeAsync("GET /healthz HTTP/1.1\r\n\r\n");
        string head = await ExchangeAsync("HEAD /healthz HTTP/1.1\r\n\r\n");

        string getHead = get[..(get.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        Assert.Equal(getHead, head);
        Assert.Contains("Content-Length: " + (get.Length - getHead.Length), head);
    }

    [Fact]
    public async Task A_bare_line_feed_request_is_understood()
    {
        Assert.StartsWith("HTTP/1.1 200 ", await ExchangeAsync("GET /metrics HTTP/1.0\n\n"));
    }

    [Fact]
    public async Task An_oversized_head_gets_431_and_the_connection_closes()
    {
        string answer = await ExchangeAsync("GET /metrics HTTP/1.1\r\nX-Filler: " + new string('a', OperationsEndpoint.MaxHeadBytes) + "\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", answer);
    }

    [Fact]
    public async Task A_client_that_sends_half_a_head_is_cut_off_at_the_deadline_and_others_are_served_meanwhile()
    {
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(_endpoint.LocalEndPoint, Token);
        await slow.SendAsync("GET /metr"u8.ToArray(), Token);

        using HttpResponseMessage meanwhile = await _client.GetAsync(Url("/metrics"), Token);
        Assert.Equal(HttpStatusCode.OK, meanwhile.StatusCode);

        // The server closes it: the read ends (0 bytes, or a reset) well before the test's own 10 s limit.
        string rest = await ReadToEndOrResetAsync(slow);
        Assert.Equal("", rest);
    }

    [Fact]
    public async Task At_most_the_connection_bound_is_served_at_once_and_idle_ones_are_reclaimed()
    {
        var idle = new List<Socket>();
        try
        {
            for (int i = 0; i < OperationsEndpoint.MaxConnections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                await socket.ConnectAsync(_endpoint.LocalEndPoint, Token);
            }
            await WaitUntilAsync(() => _endpoint.Connections == OperationsEndpoint.MaxConnections, TimeSpan.FromSeconds(5));

            // One more is accepted by the kernel and closed by the endpoint without an answer.
            using (var extra = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await extra.ConnectAsync(_endpoint.LocalEndPoint, Token);
                try
                {
                    await extra.SendAsync("GET /metrics HTTP/1.1\r\n\r\n"u8.ToArray(), Token);
                }
                catch (SocketException)
                {
                    // Already closed by the endpoint: that is the point.
                }
                Assert.Equal("", await ReadToEndOrResetAsync(extra));
            }
            Assert.Equal(1, _endpoint.Refused);

            // Once the idle ones hit their deadline, there is room again.
            foreach (Socket socket in idle)
            {
                Assert.Equal("", await ReadToEndOrResetAsync(socket));
            }
            using HttpResponseMessage after = await _client.GetAsync(Url("/metrics"), Token);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            idle.ForEach(static s => s.Dispose());
        }
    }

    [Fact]
    public async Task Concurrent_scrapes_all_get_complete_answers()
    {
        PublishOneCycle();

        string[] bodies = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            // Retried when refused at the bound: 40 at once is more than it serves at once, on purpose.
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    return await _client.GetStringAsync(Url("/metrics"), Token);
                }
                catch (HttpRequestException) when (attempt < 20)
                {
                    await Task.Delay(50, Token);
                }
            }
        }));

        foreach (string body in bodies)
        {
            Assert.Equal(1, PrometheusText.Parse(body).Value("socket_agent_cycles_total"));
        }
    }

    [Fact]
    public async Task Stop_closes_the_listener_and_cuts_open_exchanges()
    {
        using var open = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await open.ConnectAsync(_endpoint.LocalEndPoint, Token);
        await WaitUntilAsync(() => _endpoint.Connections == 1, TimeSpan.FromSeconds(5));

        await _endpoint.StopAsync(CancellationToken.None);

        Assert.Equal("", await ReadToEndOrResetAsync(open));
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketException refused = await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(_endpoint.LocalEndPoint, Token));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void A_port_in_use_is_refused_with_a_message_naming_it()
    {
        OperationsEndpointException ex = Assert.Throws<OperationsEndpointException>(() => OperationsEndpoint.Listen(_endpoint.LocalEndPoint));

        Assert.Equal($"cannot listen on 127.0.0.1:{_endpoint.LocalEndPoint.Port} for the operations endpoint (http.listen): the address is already in use (another agent, or another program on that port?)", ex.Message);
    }

    private static async Task<string> ReadToEndOrResetAsync(Socket socket)
    {
        try
        {
            return await ReadToEndAsync(socket);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "";
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20, Token);
        }
    }

    private sealed class NoMetricsCycle : IAgentCycle
    {
        public ValueTask RunCycleAsync(CycleContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
