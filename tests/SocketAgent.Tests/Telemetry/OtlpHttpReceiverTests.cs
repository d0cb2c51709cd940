using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// <see cref="OtlpHttpReceiver"/> itself. The request bodies are built without any OpenTelemetry .NET code: protoc
/// encodes text-format <c>ExportMetricsServiceRequest</c>s with the vendored .proto files, HttpClient POSTs them, and
/// the receiver's python decoder must give back exactly what the text said.
/// </summary>
public sealed class OtlpHttpReceiverTests : IAsyncLifetime
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
    private OtlpHttpReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await OtlpHttpReceiver.StartAsync(Token);

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _http.Dispose();
    }

    // A resource with string, int and bool attributes; one scope; a monotonic cumulative Sum with two points (one
    // attribute value with quotes), a double Gauge, a delta Histogram with explicit bounds, min and max.
    private const string Request = """
        resource_metrics {
          resource {
            attributes { key: "service.name" value { string_value: "socket-agent" } }
            attributes { key: "service.instance.id" value { string_value: "node-7" } }
            attributes { key: "process.pid" value { int_value: 4242 } }
            attributes { key: "host.container" value { bool_value: true } }
          }
          scope_metrics {
            scope { name: "SocketAgent" version: "0.1.0" }
            metrics {
              name: "socket_agent.cycles" description: "Completed cycles." unit: "{cycle}"
              sum {
                aggregation_temporality: AGGREGATION_TEMPORALITY_CUMULATIVE is_monotonic: true
                data_points {
                  attributes { key: "output" value { string_value: "kafka" } }
                  attributes { key: "host" value { string_value: "a \"quoted\" name" } }
                  start_time_unix_nano: 1700000000000000000 time_unix_nano: 1700000010000000000 as_int: 12
                }
                data_points {
                  attributes { key: "output" value { string_value: "stdout" } }
                  attributes { key: "host" value { string_value: "b" } }
                  start_time_unix_nano: 1700000000000000000 time_unix_nano: 1700000010000000000 as_int: 3
                }
              }
            }
            metrics {
              name: "socket_agent.sockets" unit: "{socket}"
              gauge { data_points { attributes { key: "state" value { string_value: "LISTEN" } } as_double: 7.5 } }
            }
            metrics {
              name: "socket_agent.cycle.duration" unit: "s"
              histogram {
                aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
                data_points {
                  count: 4 sum: 1.25 bucket_counts: [1, 2, 1] explicit_bounds: [0.005, 0.1] min: 0.001 max: 0.9
                }
              }
            }
          }
        }
        """;

    private static Task<byte[]> EncodeAsync(string textFormat) => OtlpProto.EncodeAsync(OtlpProto.ExportMetricsServiceRequest, textFormat, Token);

    private static string CyclesOnly(long value) => $$"""
        resource_metrics {
          resource { attributes { key: "service.name" value { string_value: "socket-agent" } } }
          scope_metrics {
            scope { name: "SocketAgent" }
            metrics { name: "socket_agent.cycles" sum { aggregation_temporality: AGGREGATION_TEMPORALITY_CUMULATIVE is_monotonic: true data_points { as_int: {{value}} } } }
          }
        }
        """;

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType = OtlpHttpReceiver.ProtobufContentType, bool gzip = false, Uri? uri = null)
    {
        byte[] payload = body;
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var stream = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                stream.Write(body);
            }
            payload = compressed.ToArray();
        }
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }
        return await _http.PostAsync(uri ?? _receiver.MetricsEndpoint, content, Token);
    }

    [Fact]
    public async Task A_request_encoded_by_protoc_decodes_to_what_its_text_says()
    {
        byte[] body = await EncodeAsync(Request);
        using HttpResponseMessage response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OtlpHttpReceiver.ProtobufContentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Token)); // an empty ExportMetricsServiceResponse
        Assert.Equal(1, _receiver.Requests);
        Assert.Equal(body, Assert.Single(_receiver.Received).Body);

        OtlpMetricsExport export = await _receiver.WaitForMetricAsync("socket_agent.cycles", s_wait, Token);
        Assert.Equal(1, export.Sequence);
        Assert.Equal("socket-agent", export.ResourceAttributes["service.name"]);
        Assert.Equal("node-7", export.ResourceAttributes["service.instance.id"]);
        Assert.Equal("4242", export.ResourceAttributes["process.pid"]);
        Assert.Equal("int", export.ResourceAttributeTypes["process.pid"]);
        Assert.Equal(("true", "bool"), (export.ResourceAttributes["host.container"], export.ResourceAttributeTypes["host.container"]));
        Assert.Equal(["socket_agent.cycles", "socket_agent.sockets", "socket_agent.cycle.duration"], export.Metrics.Select(m => m.Name));

        OtlpMetric cycles = export.Metric("socket_agent.cycles");
        Assert.Equal((OtlpMetricKind.Sum, true, OtlpTemporality.Cumulative), (cycles.Kind, cycles.IsMonotonic, cycles.Temporality));
        Assert.Equal(("{cycle}", "Completed cycles."), (cycles.Unit, cycles.Description));
        Assert.Equal(("SocketAgent", "0.1.0"), (cycles.ScopeName, cycles.ScopeVersion));
        Assert.Equal(2, cycles.Points.Count);
        OtlpPoint kafka = cycles.Point(("output", "kafka"));
        Assert.Equal(12, kafka.Value);
        Assert.Equal(12L, kafka.IntValue);
        Assert.Equal("a \"quoted\" name", kafka.Attributes["host"]);
        Assert.Equal((1700000000000000000UL, 1700000010000000000UL), (kafka.StartTimeUnixNano, kafka.TimeUnixNano));
        Assert.Equal(3, cycles.Point(("host", "b"), ("output", "stdout")).Value);

        OtlpMetric sockets = export.Metric("socket_agent.sockets");
        Assert.Equal((OtlpMetricKind.Gauge, false, OtlpTemporality.Unspecified), (sockets.Kind, sockets.IsMonotonic, sockets.Temporality));
        OtlpPoint listen = sockets.Point(("state", "LISTEN"));
        Assert.Equal(7.5, listen.Value);
        Assert.Null(listen.IntValue);

        OtlpMetric duration = export.Metric("socket_agent.cycle.duration");
        Assert.Equal((OtlpMetricKind.Histogram, OtlpTemporality.Delta, "s"), (duration.Kind, duration.Temporality, duration.Unit));
        OtlpPoint histogram = duration.Point();
        Assert.Equal(4UL, histogram.Count);
        Assert.Equal(1.25, histogram.Sum);
        Assert.Equal([1UL, 2UL, 1UL], histogram.BucketCounts);
        Assert.Equal([0.005, 0.1], histogram.ExplicitBounds);
        Assert.Equal((0.001, 0.9), (histogram.Min!.Value, histogram.Max!.Value));
    }

    [Fact]
    public async Task Lookups_that_miss_or_are_ambiguous_say_what_is_there()
    {
        using HttpResponseMessage response = await PostAsync(await EncodeAsync(Request));
        OtlpMetricsExport export = await _receiver.WaitForExportAsync(s_wait, Token);

        var noMetric = Assert.Throws<KeyNotFoundException>(() => export.Metric("socket_agent.nothing"));
        Assert.Contains("socket_agent.cycle.duration", noMetric.Message);
        Assert.Null(export.TryMetric("socket_agent.nothing"));
        OtlpMetric cycles = export.Metric("socket_agent.cycles");
        var noPoint = Assert.Throws<KeyNotFoundException>(() => cycles.Point(("output", "nowhere")));
        Assert.Contains("output=kafka", noPoint.Message);
        Assert.Null(cycles.TryPoint(("output", "nowhere")));
        Assert.Throws<InvalidOperationException>(() => cycles.Point()); // two points have "no attributes required"
        Assert.Throws<InvalidOperationException>(() => export.Metric("socket_agent.cycle.duration").Point().Value); // a histogram has no single value

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => _receiver.WaitForMetricAsync("socket_agent.nothing", TimeSpan.FromMilliseconds(300), Token));
        Assert.Contains("socket_agent.cycles (Sum, 2 points)", timeout.Message);
    }

    [Fact]
    public async Task The_newest_export_with_the_metric_is_returned_and_gzip_bodies_are_decoded()
    {
        using (HttpResponseMessage first = await PostAsync(await EncodeAsync(Request)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        byte[] second = await EncodeAsync(CyclesOnly(20));
        using (HttpResponseMessage response = await PostAsync(second, gzip: true))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, _receiver.Requests);
        OtlpMetricsExport newest = await _receiver.WaitForMetricAsync("socket_agent.cycles", s_wait, Token);
        Assert.Equal(2, newest.Sequence);
        Assert.Equal(20, newest.Metric("socket_agent.cycles").Point().Value);
        OtlpMetricsExport withGauge = await _receiver.WaitForMetricAsync("socket_agent.sockets", s_wait, Token);
        Assert.Equal(1, withGauge.Sequence); // only the first request had it
        OtlpReceivedRequest gzipped = _receiver.Received[1];
        Assert.Equal("gzip", gzipped.ContentEncoding);
        Assert.Equal(second, gzipped.Message);
        Assert.NotEqual(second, gzipped.Body);
        Assert.Equal([1, 2], _receiver.Exports.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WaitForExportAsync_waits_for_a_request_that_comes_later()
    {
        Task<OtlpMetricsExport> waiting = _receiver.WaitForExportAsync(e => e.Metric("socket_agent.cycles").Point().Value >= 5, s_wait, Token);
        using (HttpResponseMessage low = await PostAsync(await EncodeAsync(CyclesOnly(4))))
        {
            Assert.Equal(HttpStatusCode.OK, low.StatusCode);
        }
        Assert.False(waiting.IsCompleted);
        using (HttpResponseMessage high = await PostAsync(await EncodeAsync(CyclesOnly(5))))
        {
            Assert.Equal(HttpStatusCode.OK, high.StatusCode);
        }
        Assert.Equal(2, (await waiting).Sequence);
    }

    [Fact]
    public async Task A_malformed_body_is_answered_400_and_fails_the_wait_with_the_decoders_message()
    {
        using HttpResponseMessage response = await PostAsync("not a protobuf"u8.ToArray());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string answer = await response.Content.ReadAsStringAsync(Token);
        Assert.Contains("is not a valid ExportMetricsServiceRequest", answer);
        Assert.Equal(1, _receiver.Requests);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _receiver.WaitForMetricAsync("socket_agent.cycles", s_wait, Token));
        Assert.Contains("request #1 (POST /v1/metrics, 14 bytes", error.Message);
        Assert.Contains("Error parsing message", error.Message); // python protobuf's DecodeError
    }

    [Fact]
    public async Task A_truncated_request_is_rejected_too()
    {
        byte[] body = await EncodeAsync(Request);
        using HttpResponseMessage response = await PostAsync(body[..(body.Length - 3)]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _receiver.WaitForExportAsync(s_wait, Token));
        Assert.Contains("Error parsing message", error.Message);
    }

    [Fact]
    public async Task A_gzip_body_that_does_not_decompress_is_rejected()
    {
        var content = new ByteArrayContent(await EncodeAsync(Request)); // protobuf, but labelled gzip
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(OtlpHttpReceiver.ProtobufContentType);
        content.Headers.ContentEncoding.Add("gzip");
        using HttpResponseMessage response = await _http.PostAsync(_receiver.MetricsEndpoint, content, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _receiver.WaitForExportAsync(s_wait, Token));
        Assert.Contains("the gzip body does not decompress", error.Message);
    }

    [Fact]
    public async Task Json_and_other_paths_are_rejected_with_the_reason()
    {
        using (HttpResponseMessage json = await PostAsync("{\"resourceMetrics\":[]}"u8.ToArray(), contentType: "application/json"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }
        using (HttpResponseMessage path = await PostAsync(await EncodeAsync(Request), uri: new Uri(_receiver.BaseUri, "v1/metrics/v1/metrics")))
        {
            Assert.Equal(HttpStatusCode.NotFound, path.StatusCode);
        }

        Assert.Equal(1, _receiver.Requests); // only POST /v1/metrics counts
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _receiver.WaitForExportAsync(s_wait, Token));
        Assert.Contains("rejected 2 request(s)", error.Message);
        Assert.Contains("Content-Type 'application/json'): not application/x-protobuf", error.Message);
        Assert.Contains("POST /v1/metrics/v1/metrics: this receiver takes POST /v1/metrics only", error.Message);
    }

    [Fact]
    public async Task The_endpoints_and_the_cleanup()
    {
        Assert.Equal("127.0.0.1", _receiver.BaseUri.Host);
        Assert.Equal($"http://127.0.0.1:{_receiver.BaseUri.Port}/v1/metrics", _receiver.MetricsEndpoint.ToString());
        string directory = _receiver.TempDirectory;
        using (HttpResponseMessage response = await PostAsync(await EncodeAsync(Request)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.True(Directory.Exists(directory));

        await _receiver.DisposeAsync();
        Assert.False(Directory.Exists(directory)); // generated modules and kept bodies are gone
        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync([]));
        await _receiver.DisposeAsync(); // twice is fine (the fixture disposes again)
    }

    [Fact]
    public async Task Protoc_rejects_a_bad_text_format_message()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => EncodeAsync("resource_metrics { no_such_field: 1 }"));
        Assert.Contains("no_such_field", error.Message);
    }
}
