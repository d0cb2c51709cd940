using System.Diagnostics.Metrics;

namespace SocketAgent.Cli.Hosting.Telemetry;

/// <summary>What <c>correlate</c> has counted so far (the engine's counters and the connections it holds).</summary>
internal readonly record struct CorrelationFigures(
    long Lines, long Invalid, long Ignored, long ConnectionEvents, long DuplicateEvents, long LateEvents,
    long TwoSided, long OneSided, long Expired, long Evicted, long Pending);

/// <summary>
/// Meter <c>SocketAgent.Correlation</c>: <c>socket-agent correlate</c>'s counters — the lines it read, the ones it
/// could not use, duplicates, the connections it wrote (by <c>correlation.sides</c>), expired and evicted, and the
/// connections it holds — observed from the engine when a reader collects, as the summary line at its end says them.
/// </summary>
internal sealed class CorrelationInstruments : IDisposable
{
    public const string MeterName = "SocketAgent.Correlation";

    private readonly Meter _meter = new(MeterName, AgentVersion.Current);

    /// <param name="read">Reads the figures; called on the exporter's thread (the engine's counters are single longs).</param>
    public CorrelationInstruments(Func<CorrelationFigures> read)
    {
        Counter("socket_agent.correlate.lines", "{line}", "Event lines read.", () => read().Lines);
        Counter("socket_agent.correlate.invalid", "{line}", "Lines that are no event of the agent (not JSON, a field of the wrong type): skipped and counted.",
            () => read().Invalid);
        Counter("socket_agent.correlate.ignored", "{line}", "Events that are no connection's (listeners, loopback, snapshots of other datasets): skipped.",
            () => read().Ignored);
        Counter("socket_agent.correlate.connection_events", "{event}", "Connection events joined.", () => read().ConnectionEvents);
        Counter("socket_agent.correlate.duplicates", "{event}", "Events read more than once (a redelivery, a file given twice): dropped.", () => read().DuplicateEvents);
        Counter("socket_agent.correlate.late_events", "{event}", "Events of a connection already written (the far end after a one-sided line).", () => read().LateEvents);
        _meter.CreateObservableCounter("socket_agent.correlate.connections", () =>
        {
            CorrelationFigures figures = read();
            return (Measurement<long>[])[
                new(figures.TwoSided, new KeyValuePair<string, object?>("correlation.sides", 2)),
                new(figures.OneSided, new KeyValuePair<string, object?>("correlation.sides", 1)),
            ];
        }, unit: "{connection}", description: "Connection lines written, by correlation.sides: 2 when both ends were joined, 1 when no agent watched the far end.");
        Counter("socket_agent.correlate.expired", "{connection}", "Open connections forgotten after --idle-timeout.", () => read().Expired);
        Counter("socket_agent.correlate.evicted", "{connection}", "Connections pushed out by --max-connections (the least recently active).", () => read().Evicted);
        _meter.CreateObservableUpDownCounter("socket_agent.correlate.pending", () => read().Pending, unit: "{connection}",
            description: "Connections held, waiting for their other end or for --wait to pass.");

        void Counter(string name, string unit, string description, Func<long> value) =>
            _meter.CreateObservableCounter(name, value, unit, description);
    }

    public void Dispose() => _meter.Dispose();
}
