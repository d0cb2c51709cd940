using System.Diagnostics.Metrics;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// Meter <c>SocketAgent.Delivery</c> (the name <see cref="DeliveryTelemetry"/> records the latency histogram under):
/// the Kafka output's durable spool and its delivery loop — depth, bytes, drops, sends, confirmations, retries,
/// rebuilds and the circuit breaker's state. Observed from the last <see cref="MetricsSnapshot"/>; without the Kafka
/// output every callback reports nothing, so no series exists for an output that is not configured.
/// </summary>
internal sealed class DeliveryInstruments : IDisposable
{
    private static readonly string[] s_circuitStates = ["closed", "half_open", "open"];

    private readonly Meter _meter = new(DeliveryTelemetry.MeterName, AgentVersion.Current);

    public DeliveryInstruments(AgentMetrics metrics)
    {
        Spool("socket_agent.spool.events", "{event}", "Events in the durable spool not yet confirmed by the output.", static s => s.Events);
        Spool("socket_agent.spool.size", "By", "Disk used by the spool's segment files.", static s => s.Bytes);
        Spool("socket_agent.spool.segments", "{segment}", "Segment files of the spool.", static s => s.Segments);
        Spool("socket_agent.spool.watermark_lag", "{event}", "event.sequence accepted minus event.sequence confirmed: how far the output is behind.", static s => s.WatermarkLag);
        _meter.CreateObservableUpDownCounter("socket_agent.spool.limit", () => Kafka(static (_, c) => c.SpoolMaxBytes), unit: "By",
            description: "The spool's size bound (spool.max_bytes): past it the newest events are dropped.");
        _meter.CreateObservableCounter("socket_agent.spool.dropped", () => Kafka(static (s, _) => s.Drops), unit: "{event}",
            description: "Events lost because the spool was full or its disk refused writes (each range is named by a loss event).");
        _meter.CreateObservableGauge("socket_agent.spool.write_failing", () => Kafka(static (s, _) => s.WriteFailing ? 1 : 0), unit: "1",
            description: "1 while the state directory's disk refuses the spool's writes (full): events that do not fit in memory are dropped.");

        Delivery("socket_agent.delivery.spooling", gauge: true, "1",
            "1 while the output confirms nothing and the spool holds the events (circuit not closed, or nothing confirmed for 10 s while events wait).",
            static d => d.Spooling ? 1 : 0);
        Delivery("socket_agent.delivery.sent", gauge: false, "{event}", "Records handed to the output since start, resends included.", static d => d.Produced);
        Delivery("socket_agent.delivery.confirmed", gauge: false, "{event}", "Events the output confirmed as persisted since start.", static d => d.Persisted);
        Delivery("socket_agent.delivery.retries", gauge: false, "{retry}", "Delivery passes retried (with exponential backoff) since start.", static d => d.Retries);
        Delivery("socket_agent.delivery.rewinds", gauge: false, "{rewind}", "Times delivery went back to the watermark to resend unconfirmed events.", static d => d.Rewinds);
        Delivery("socket_agent.delivery.output_rebuilds", gauge: false, "{rebuild}", "Times the producer was rebuilt after a fatal error.", static d => d.OutputRebuilds);
        Delivery("socket_agent.delivery.permanent_failures", gauge: false, "{event}",
            "Events the output refused for good (too large, topic not authorized): not retried.", static d => d.PermanentFailures);
        _meter.CreateObservableGauge("socket_agent.delivery.circuit.state", CircuitState, unit: "1",
            description: "The delivery circuit breaker: 1 for its current socket_agent.circuit.state (closed: delivering; open: resting after failures; half_open: trying), 0 for the others.");

        void Spool(string name, string unit, string description, Func<SpoolStats, long> value) =>
            _meter.CreateObservableUpDownCounter(name, () => Kafka((s, _) => value(s)), unit, description);

        void Delivery(string name, bool gauge, string unit, string description, Func<DeliveryMetrics, long> value)
        {
            Func<IEnumerable<Measurement<long>>> observe = () => metrics.Current?.Cycle?.Delivery is { } d ? [new(value(d))] : [];
            if (gauge)
            {
                _meter.CreateObservableGauge(name, observe, unit, description);
            }
            else
            {
                _meter.CreateObservableCounter(name, observe, unit, description);
            }
        }

        IEnumerable<Measurement<long>> Kafka(Func<SpoolStats, CycleMetrics, long> value) =>
            metrics.Current?.Cycle is { Spool: { } spool } cycle ? [new(value(spool, cycle))] : [];

        IEnumerable<Measurement<int>> CircuitState()
        {
            if (metrics.Current?.Cycle?.Delivery is not { } delivery)
            {
                yield break;
            }
            foreach (string state in s_circuitStates)
            {
                yield return new(state == delivery.CircuitState ? 1 : 0, new KeyValuePair<string, object?>("socket_agent.circuit.state", state));
            }
        }
    }

    public void Dispose() => _meter.Dispose();
}
