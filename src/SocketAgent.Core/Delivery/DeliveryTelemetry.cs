using System.Diagnostics.Metrics;

namespace SocketAgent.Delivery;

/// <summary>
/// The delivery loop's one measurement that cannot be read off a counter after the fact: each confirmed send's
/// latency, recorded into an OpenTelemetry-style <see cref="Histogram{T}"/> as it happens. Everything else the
/// loop counts is read from <see cref="DeliveryMetrics"/> by observable instruments (the CLI's
/// <c>DeliveryInstruments</c>, on a meter of the same name). Static, as the runtime's own meters are: a
/// <see cref="Histogram{T}.Record(T)"/> with no listener costs a branch, and an agent has one delivery loop.
/// </summary>
public static class DeliveryTelemetry
{
    public const string MeterName = "SocketAgent.Delivery";

    private static readonly Meter s_meter = new(MeterName, typeof(DeliveryTelemetry).Assembly.GetName().Version?.ToString(3));

    /// <summary>
    /// Send → confirmation, in seconds. The bucket advice spans a local broker's millisecond, a remote one's tens of
    /// ms, and an outage held in librdkafka's queue (seconds up to its message.timeout.ms scale).
    /// </summary>
    public static Histogram<double> Latency { get; } = s_meter.CreateHistogram(
        "socket_agent.delivery.latency",
        unit: "s",
        description: "Time from handing an event to the output to its confirmation (one observation per confirmed send).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
}
