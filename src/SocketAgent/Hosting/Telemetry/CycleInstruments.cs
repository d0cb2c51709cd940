using System.Diagnostics.Metrics;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// Meter <c>SocketAgent.Agent</c>: the collection loop itself — cycles, their duration, the last success, readiness
/// and what reports sockets. The duration is recorded as each cycle ends; the rest is observed from the last
/// published <see cref="MetricsSnapshot"/> when a reader collects (a scrape, an OTLP export), so collecting costs
/// the cycle nothing.
/// </summary>
internal sealed class CycleInstruments : IDisposable
{
    public const string MeterName = "SocketAgent.Agent";

    private readonly Meter _meter = new(MeterName, AgentVersion.Current);

    public CycleInstruments(AgentMetrics metrics)
    {
        Duration = _meter.CreateHistogram("socket_agent.cycle.duration", unit: "s",
            description: "Duration of a collection cycle: read, attribute, diff, write and flush the events.",
            tags: null,
            // From a small host's incremental cycle (a few ms) to a large one's full dump with /proc walks (seconds).
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _meter.CreateObservableCounter("socket_agent.cycles", () => metrics.Current?.Cycles ?? 0, unit: "{cycle}",
            description: "Collection cycles run since start (the first one is the full snapshot).");
        _meter.CreateObservableCounter("socket_agent.cycle.failures", () => metrics.Current?.FailedCycles ?? 0, unit: "{cycle}",
            description: "Collection cycles that failed (logged and skipped; the next one tries again).");
        _meter.CreateObservableGauge("socket_agent.cycle.last_success.time", LastSuccess, unit: "s",
            description: "When the last cycle that completed (events written and flushed, sequence saved) ended, in Unix seconds.");
        _meter.CreateObservableGauge("socket_agent.ready", () => metrics.Health().Ready ? 1 : 0, unit: "1",
            description: "1 when /healthz answers 200 (ready), else 0.");
        _meter.CreateObservableGauge("socket_agent.source.info", Source, unit: "1",
            description: "What reports sockets, as the attribute socket_agent.source (ebpf+netlink, netlink or procfs); always 1.");

        IEnumerable<Measurement<double>> LastSuccess() =>
            metrics.Current?.LastSuccessAt is DateTimeOffset last ? [new(last.ToUnixTimeMilliseconds() / 1000.0)] : [];

        IEnumerable<Measurement<int>> Source() =>
            metrics.Current?.Cycle is { } cycle ? [new(1, new KeyValuePair<string, object?>("socket_agent.source", cycle.Source))] : [];
    }

    public Histogram<double> Duration { get; }

    public void Dispose() => _meter.Dispose();
}
