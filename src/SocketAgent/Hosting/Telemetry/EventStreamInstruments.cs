using System.Diagnostics.Metrics;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>
/// Meter <c>SocketAgent.Events</c>: what the event stream wrote and tracks — events by ECS <c>event.dataset</c> and
/// <c>event.action</c>, filtered events, sockets, processes and namespaces tracked, warnings, local outputs' write
/// errors and the eBPF source's kernel-side counters. Observed from the last <see cref="MetricsSnapshot"/>.
/// </summary>
internal sealed class EventStreamInstruments : IDisposable
{
    public const string MeterName = "SocketAgent.Events";

    private readonly Meter _meter = new(MeterName, AgentVersion.Current);

    public EventStreamInstruments(AgentMetrics metrics)
    {
        _meter.CreateObservableCounter("socket_agent.events", Events, unit: "{event}",
            description: "Events written since start, by event.dataset and event.action.");
        _meter.CreateObservableCounter("socket_agent.events.filtered", () => metrics.Current?.Cycle?.FilteredOut ?? 0, unit: "{event}",
            description: "Socket events dropped by the filters (filters.*) since start.");
        _meter.CreateObservableUpDownCounter("socket_agent.socket.count", () => metrics.Current?.Cycle?.SocketsTracked ?? 0, unit: "{socket}",
            description: "Sockets the agent tracks (open at the last cycle, every selected namespace).");
        _meter.CreateObservableUpDownCounter("socket_agent.process.count", () => metrics.Current?.Cycle?.ProcessesTracked ?? 0, unit: "{process}",
            description: "Processes the agent has attributed sockets to and still tracks.");
        _meter.CreateObservableUpDownCounter("socket_agent.network_namespace.count", () => metrics.Current?.Cycle?.Namespaces ?? 0, unit: "{namespace}",
            description: "Network namespaces watched.");
        _meter.CreateObservableCounter("socket_agent.warnings", () => metrics.Current?.Cycle?.Warnings ?? 0, unit: "{warning}",
            description: "Distinct collection warnings logged since start.");
        _meter.CreateObservableCounter("socket_agent.output.write_errors", OutputErrors, unit: "{line}",
            description: "Lines a local output (stdout, file) failed to write since start, by output: each one is lost for that output.");
        _meter.CreateObservableCounter("socket_agent.ebpf.lost", () => SourceCounter(metrics, "ebpf_lost"), unit: "{record}",
            description: "Records the eBPF source's full ring buffer dropped since start (each also named by a loss event).");
        _meter.CreateObservableCounter("socket_agent.ebpf.counter", SourceCounters, unit: "1",
            description: "The eBPF source's kernel-side counters since start, by socket_agent.counter (records, accepts, recursion_misses, udp_flows_opened...).");

        IEnumerable<Measurement<long>> Events()
        {
            if (metrics.Current?.Cycle is not { } cycle)
            {
                yield break;
            }
            foreach ((string key, long count) in cycle.Events)
            {
                int dot = key.IndexOf('.');
                yield return new(count,
                    new KeyValuePair<string, object?>("event.dataset", dot < 0 ? key : key[..dot]),
                    new KeyValuePair<string, object?>("event.action", dot < 0 ? string.Empty : key[(dot + 1)..]));
            }
        }

        IEnumerable<Measurement<long>> OutputErrors()
        {
            if (metrics.Current?.Cycle is not { } cycle)
            {
                yield break;
            }
            foreach (string output in cycle.Outputs)
            {
                // Kafka's losses are the spool's drops (SocketAgent.Delivery): a Kafka line is never "not written".
                if (output != "kafka")
                {
                    yield return new(cycle.OutputErrors.GetValueOrDefault(output), new KeyValuePair<string, object?>("socket_agent.output", output));
                }
            }
        }

        IEnumerable<Measurement<long>> SourceCounters()
        {
            if (metrics.Current?.Cycle is not { } cycle)
            {
                yield break;
            }
            foreach ((string key, long value) in cycle.SourceCounters)
            {
                yield return new(value, new KeyValuePair<string, object?>("socket_agent.counter", key.StartsWith("ebpf_", StringComparison.Ordinal) ? key[5..] : key));
            }
        }
    }

    private static long SourceCounter(AgentMetrics metrics, string key) =>
        metrics.Current?.Cycle?.SourceCounters.GetValueOrDefault(key) ?? 0;

    public void Dispose() => _meter.Dispose();
}
