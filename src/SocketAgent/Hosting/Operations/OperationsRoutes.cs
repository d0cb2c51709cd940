using System.Buffers;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// What the endpoint serves: <c>GET /metrics</c> (Prometheus text) and <c>GET /healthz</c> (200 ready / 503 not
/// ready, JSON), HEAD of both; 404 for other paths, 405 for other methods. Both are built from the last published
/// snapshot, on the caller's thread: the collection cycle never waits for a scrape.
/// </summary>
internal sealed class OperationsRoutes
{
    private readonly AgentMetrics _metrics;
    private readonly Func<TimeSpan> _interval;
    private readonly TimeProvider _time;

    public OperationsRoutes(AgentMetrics metrics, TimeSpan interval, TimeProvider time)
        : this(metrics, () => interval, time)
    {
    }

    /// <param name="interval">The interval in effect, read at each request: a SIGHUP can change it.</param>
    public OperationsRoutes(AgentMetrics metrics, Func<TimeSpan> interval, TimeProvider time)
    {
        _metrics = metrics;
        _interval = interval;
        _time = time;
    }

    public OperationsResponse Handle(ReadOnlySpan<byte> method, ReadOnlySpan<byte> path)
    {
        bool metrics = path.SequenceEqual("/metrics"u8);
        if (!metrics && !path.SequenceEqual("/healthz"u8))
        {
            return OperationsResponse.NotFound;
        }
        if (!method.SequenceEqual("GET"u8) && !method.SequenceEqual("HEAD"u8))
        {
            return OperationsResponse.MethodNotAllowed;
        }

        MetricsSnapshot? snapshot = _metrics.Current;
        HealthReport health = HealthEvaluator.Evaluate(snapshot, _interval(), _time.GetUtcNow());
        var body = new ArrayBufferWriter<byte>(metrics ? 8192 : 256);
        if (metrics)
        {
            MetricsExposition.Write(body, snapshot, health);
            return new OperationsResponse(200, PrometheusTextWriter.ContentType, body.WrittenMemory);
        }
        health.WriteJson(body);
        return new OperationsResponse(health.Ready ? 200 : 503, "application/json", body.WrittenMemory);
    }
}
