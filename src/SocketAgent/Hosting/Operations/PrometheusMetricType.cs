namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>The metric types of the Prometheus text format 0.0.4 that the agent uses (no summary, no untyped).</summary>
internal enum PrometheusMetricType
{
    Counter,
    Gauge,
    Histogram,
}
