using System.Text;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// <see cref="PrometheusScrape"/> itself: hand-written expositions in both formats, parsed by prometheus_client, read
/// back by name and labels; the parser's errors reach the test; GetAsync asks for the format and checks what came.
/// </summary>
public sealed class PrometheusScrapeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Text format 0.0.4: a counter (exposed with _total) whose HELP has escapes and whose label values have escaped
    // quotes and a backslash, a gauge with NaN, a histogram with le buckets.
    private const string Text = """
        # HELP socket_agent_cycles_total Completed cycles; a backslash \\ and a\nsecond line.
        # TYPE socket_agent_cycles_total counter
        socket_agent_cycles_total{output="kafka",host="a \"quoted\" name"} 12
        socket_agent_cycles_total{output="stdout",host="b\\c"} 3
        # HELP socket_agent_sockets Sockets seen.
        # TYPE socket_agent_sockets gauge
        socket_agent_sockets{state="LISTEN"} 7.5
        socket_agent_sockets{state="ESTABLISHED"} NaN
        # TYPE socket_agent_cycle_seconds histogram
        socket_agent_cycle_seconds_bucket{le="0.005"} 1
        socket_agent_cycle_seconds_bucket{le="0.1"} 3
        socket_agent_cycle_seconds_bucket{le="+Inf"} 4
        socket_agent_cycle_seconds_sum 1.25
        socket_agent_cycle_seconds_count 4

        """;

    // OpenMetrics 1.0: the counter family is named without _total, with a _created sample; a gauge and a histogram with
    // UNIT; an exemplar; # EOF.
    private const string OpenMetrics = """
        # TYPE socket_agent_cycles counter
        # HELP socket_agent_cycles Completed cycles.
        socket_agent_cycles_total{output="kafka",host="a \"quoted\" name"} 12
        socket_agent_cycles_created{output="kafka",host="a \"quoted\" name"} 1700000000.5
        socket_agent_cycles_total{output="stdout",host="b\\c"} 3
        socket_agent_cycles_created{output="stdout",host="b\\c"} 1700000001
        # TYPE socket_agent_memory_bytes gauge
        # UNIT socket_agent_memory_bytes bytes
        socket_agent_memory_bytes 1048576
        # TYPE socket_agent_cycle_seconds histogram
        # UNIT socket_agent_cycle_seconds seconds
        socket_agent_cycle_seconds_bucket{le="0.005"} 1
        socket_agent_cycle_seconds_bucket{le="0.1"} 3 # {trace_id="0af7651916cd43dd"} 0.05 1700000000.25
        socket_agent_cycle_seconds_bucket{le="+Inf"} 4
        socket_agent_cycle_seconds_sum 1.25
        socket_agent_cycle_seconds_count 4
        # EOF

        """;

    [Fact]
    public void Text_format_families_types_help_and_values()
    {
        PrometheusScrape scrape = PrometheusScrape.ParseText(Text, openMetrics: false);

        Assert.Equal(["socket_agent_cycles", "socket_agent_sockets", "socket_agent_cycle_seconds"], scrape.Families.Select(f => f.Name));
        PrometheusFamily cycles = scrape.Family("socket_agent_cycles_total"); // the exposed name finds the counter ...
        Assert.Same(cycles, scrape.Family("socket_agent_cycles")); // ... that prometheus_client names without _total
        Assert.Equal("counter", cycles.Type);
        Assert.Equal("", cycles.Unit);
        Assert.Equal("Completed cycles; a backslash \\ and a\nsecond line.", cycles.Help);
        Assert.Equal(2, cycles.Samples.Count);

        Assert.Equal(12, scrape.Sample("socket_agent_cycles_total", ("host", "a \"quoted\" name")));
        Assert.Equal(3, scrape.Sample("socket_agent_cycles_total", ("output", "stdout"), ("host", "b\\c")));
        Assert.Equal("kafka", Assert.Single(scrape.Samples("socket_agent_cycles_total"), s => s.Value == 12).Labels["output"]);

        Assert.Equal("gauge", scrape.Family("socket_agent_sockets").Type);
        Assert.Equal("Sockets seen.", scrape.Family("socket_agent_sockets").Help);
        Assert.Equal(7.5, scrape.Sample("socket_agent_sockets", ("state", "LISTEN")));
        Assert.True(double.IsNaN(scrape.Sample("socket_agent_sockets", ("state", "ESTABLISHED"))));

        Assert.Equal("histogram", scrape.Family("socket_agent_cycle_seconds").Type);
        Assert.Equal([1, 3, 4], scrape.Samples("socket_agent_cycle_seconds_bucket").Select(s => s.Value));
        Assert.Equal(["0.005", "0.1", "+Inf"], scrape.Samples("socket_agent_cycle_seconds_bucket").Select(s => s.Labels["le"]));
        Assert.Equal(4, scrape.Sample("socket_agent_cycle_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(1.25, scrape.Sample("socket_agent_cycle_seconds_sum"));
        Assert.Equal(4, scrape.Sample("socket_agent_cycle_seconds_count"));
    }

    [Fact]
    public void OpenMetrics_families_units_created_and_exemplars()
    {
        PrometheusScrape scrape = PrometheusScrape.ParseText(OpenMetrics, openMetrics: true);

        PrometheusFamily cycles = scrape.Family("socket_agent_cycles");
        Assert.Same(cycles, scrape.Family("socket_agent_cycles_total"));
        Assert.Equal("counter", cycles.Type);
        Assert.Equal("Completed cycles.", cycles.Help);
        Assert.Equal(12, scrape.Sample("socket_agent_cycles_total", ("output", "kafka"), ("host", "a \"quoted\" name")));
        Assert.Equal(3, scrape.Sample("socket_agent_cycles_total", ("host", "b\\c")));
        Assert.Equal(1700000000.5, scrape.Sample("socket_agent_cycles_created", ("output", "kafka")));

        PrometheusFamily memory = scrape.Family("socket_agent_memory_bytes");
        Assert.Equal(("gauge", "bytes"), (memory.Type, memory.Unit));
        Assert.Equal(1048576, scrape.Sample("socket_agent_memory_bytes"));

        PrometheusFamily seconds = scrape.Family("socket_agent_cycle_seconds");
        Assert.Equal(("histogram", "seconds"), (seconds.Type, seconds.Unit));
        Assert.Equal([1, 3, 4], scrape.Samples("socket_agent_cycle_seconds_bucket").Select(s => s.Value));
        PrometheusSample withExemplar = Assert.Single(scrape.Samples("socket_agent_cycle_seconds_bucket"), s => s.Exemplar is not null);
        Assert.Equal("0.1", withExemplar.Labels["le"]);
        Assert.Equal("0af7651916cd43dd", withExemplar.Exemplar!.Labels["trace_id"]);
        Assert.Equal(0.05, withExemplar.Exemplar.Value);
        Assert.Equal(1700000000.25, withExemplar.Exemplar.Timestamp);
        Assert.Equal(1.25, scrape.Sample("socket_agent_cycle_seconds_sum"));
    }

    [Fact]
    public void Missing_ambiguous_and_subset_lookups()
    {
        PrometheusScrape scrape = PrometheusScrape.ParseText(Text, openMetrics: false);

        Assert.Null(scrape.TrySample("socket_agent_cycles_total", ("output", "nowhere")));
        Assert.Null(scrape.TrySample("socket_agent_nothing"));
        Assert.Null(scrape.TryFamily("socket_agent_sockets_total")); // _total is only dropped for counters
        var missing = Assert.Throws<KeyNotFoundException>(() => scrape.Sample("socket_agent_cycles_total", ("output", "nowhere")));
        Assert.Contains("host=\"a \"quoted\" name\"", missing.Message); // lists the samples of that name
        var ambiguous = Assert.Throws<InvalidOperationException>(() => scrape.Sample("socket_agent_cycles_total"));
        Assert.Contains("2 samples match", ambiguous.Message);
        var noFamily = Assert.Throws<KeyNotFoundException>(() => scrape.Family("socket_agent_nothing"));
        Assert.Contains("socket_agent_cycle_seconds (histogram)", noFamily.Message);
    }

    [Fact]
    public void Parser_errors_fail_with_the_parsers_message()
    {
        string noEof = OpenMetrics.Replace("# EOF\n", "", StringComparison.Ordinal);
        var eof = Assert.Throws<FormatException>(() => PrometheusScrape.ParseText(noEof, openMetrics: true));
        Assert.Contains("Missing # EOF at end", eof.Message);

        string badCount = OpenMetrics.Replace("socket_agent_cycle_seconds_count 4", "socket_agent_cycle_seconds_count 5", StringComparison.Ordinal);
        var count = Assert.Throws<FormatException>(() => PrometheusScrape.ParseText(badCount, openMetrics: true));
        Assert.Contains("Count does not match +Inf value: socket_agent_cycle_seconds", count.Message);

        // The text format 0.0.4 parser is laxer, but still rejects a value that is not a number ...
        string badValue = Text.Replace("{state=\"LISTEN\"} 7.5", "{state=\"LISTEN\"} seven", StringComparison.Ordinal);
        var value = Assert.Throws<FormatException>(() => PrometheusScrape.ParseText(badValue, openMetrics: false));
        Assert.Contains("could not convert string to float: 'seven'", value.Message);
        // ... and a label value without quotes (which it takes for part of the name).
        string badLabel = Text.Replace("{state=\"LISTEN\"}", "{state=LISTEN}", StringComparison.Ordinal);
        var label = Assert.Throws<FormatException>(() => PrometheusScrape.ParseText(badLabel, openMetrics: false));
        Assert.Contains("Invalid metric name: socket_agent_sockets{state=LISTEN}", label.Message);
    }

    [Fact]
    public async Task GetAsync_asks_for_the_format_and_checks_the_content_type()
    {
        var accepts = new List<string>();
        await using var server = LoopbackHttpServer.Start(async context =>
        {
            string accept = context.Request.Headers["Accept"] ?? "";
            lock (accepts)
            {
                accepts.Add(accept);
            }
            bool openMetrics = accept.Contains("application/openmetrics-text", StringComparison.Ordinal) && context.Request.Url!.AbsolutePath != "/text-only";
            await LoopbackHttpServer.AnswerAsync(context.Response, 200,
                openMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8",
                Encoding.UTF8.GetBytes(openMetrics ? OpenMetrics : Text));
        });
        Uri baseUri = server.BaseUri;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

        PrometheusScrape openMetricsScrape = await PrometheusScrape.GetAsync(http, new Uri(baseUri, "metrics"), openMetrics: true, Token);
        Assert.True(openMetricsScrape.OpenMetrics);
        Assert.StartsWith("application/openmetrics-text", openMetricsScrape.ContentType, StringComparison.Ordinal);
        Assert.Equal("bytes", openMetricsScrape.Family("socket_agent_memory_bytes").Unit);

        PrometheusScrape textScrape = await PrometheusScrape.GetAsync(http, new Uri(baseUri, "metrics"), openMetrics: false, Token);
        Assert.False(textScrape.OpenMetrics);
        Assert.Equal(7.5, textScrape.Sample("socket_agent_sockets", ("state", "LISTEN")));

        var wrongType = await Assert.ThrowsAsync<FormatException>(() => PrometheusScrape.GetAsync(http, new Uri(baseUri, "text-only"), openMetrics: true, Token));
        Assert.Contains("got Content-Type 'text/plain; version=0.0.4; charset=utf-8'", wrongType.Message);

        Assert.Equal([PrometheusScrape.OpenMetricsAccept, PrometheusScrape.TextAccept, PrometheusScrape.OpenMetricsAccept], accepts);
    }
}
