using System.Globalization;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The readiness rules of <c>/healthz</c>. Ready when all of these hold:
/// <list type="number">
/// <item>the first snapshot is out (the first cycle completed);</item>
/// <item>a cycle completed within the last <c>3 × interval + 30 s</c> (collection is not stuck);</item>
/// <item>no local output (stdout, file) refused a line within the last <see cref="RecentWindow"/>;</item>
/// <item>Kafka: the spool is below <see cref="SpoolFullRatio"/> of <c>spool.max_bytes</c> and dropped no event within
/// the last <see cref="RecentWindow"/>; no event was refused for good (a permanent failure) within that window; the
/// delivery circuit has not stayed open (or half-open) longer than <see cref="CircuitOpenLimit"/>.</item>
/// </list>
/// A disk that refuses the spool's writes (full) is not ready either: events are being dropped.
/// So a broker outage (the circuit not closed, or nothing confirmed for <see cref="SocketAgent.Delivery.DeliveryMetrics.SpoolingAfter"/>
/// while events wait) is "spooling" and still ready while the spool absorbs it — that is what the spool is for —
/// and becomes not ready once events are being lost or the outage outlasts the circuit limit. Windows rather than
/// "the last cycle": a full disk fails only the cycles that write, and health must not flap between them.
/// </summary>
internal static class HealthEvaluator
{
    public static readonly TimeSpan RecentWindow = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan CircuitOpenLimit = TimeSpan.FromMinutes(5);
    public const double SpoolFullRatio = 0.95;

    public static TimeSpan StaleAfter(TimeSpan interval) => (3 * interval) + TimeSpan.FromSeconds(30);

    public static HealthReport Evaluate(MetricsSnapshot? snapshot, TimeSpan interval, DateTimeOffset now)
    {
        if (snapshot?.LastSuccessAt is not DateTimeOffset lastSuccess)
        {
            return new HealthReport
            {
                Ready = false,
                Reasons = [snapshot is null ? "the first snapshot is not out yet" : "the first snapshot failed"],
                Outputs = [],
                Cycles = snapshot?.Cycles ?? 0,
            };
        }

        var reasons = new List<string>();
        var outputs = new List<KeyValuePair<string, string>>();
        TimeSpan age = now - lastSuccess;
        if (age > StaleAfter(interval))
        {
            reasons.Add($"no cycle completed for {Seconds(age)} s (interval {Seconds(interval)} s)");
        }

        CycleMetrics? cycle = snapshot.Cycle;
        foreach (string output in cycle?.Outputs ?? [])
        {
            string state = output == "kafka"
                ? EvaluateKafka(snapshot, cycle!, now, reasons)
                : EvaluateLocal(snapshot, output, now, reasons);
            outputs.Add(new(output, state));
        }
        return new HealthReport { Ready = reasons.Count == 0, Reasons = reasons, Outputs = outputs, Cycles = snapshot.Cycles, LastCycle = lastSuccess };
    }

    private static string EvaluateLocal(MetricsSnapshot snapshot, string output, DateTimeOffset now, List<string> reasons)
    {
        if (snapshot.LastOutputErrorAt.TryGetValue(output, out DateTimeOffset at) && now - at <= RecentWindow)
        {
            reasons.Add($"output {output} failed to write {Seconds(now - at)} s ago: its lines are being lost");
            return "failing";
        }
        return "ok";
    }

    private static string EvaluateKafka(MetricsSnapshot snapshot, CycleMetrics cycle, DateTimeOffset now, List<string> reasons)
    {
        int before = reasons.Count;
        if (cycle.Spool is { } spool && cycle.SpoolMaxBytes > 0 && spool.Bytes >= SpoolFullRatio * cycle.SpoolMaxBytes)
        {
            reasons.Add($"the kafka spool is full: {spool.Bytes} of {cycle.SpoolMaxBytes} bytes");
        }
        if (cycle.Spool is { WriteFailing: true })
        {
            reasons.Add($"the kafka spool cannot write to the state directory's disk ({cycle.SpoolWriteFailure}): new events are dropped and named by a loss line once it can");
        }
        if (snapshot.LastSpoolDropAt is DateTimeOffset dropped && now - dropped <= RecentWindow)
        {
            reasons.Add($"the kafka spool dropped events {Seconds(now - dropped)} s ago ({cycle.Spool?.Drops ?? 0} since start)");
        }
        if (snapshot.LastPermanentFailureAt is DateTimeOffset refused && now - refused <= RecentWindow)
        {
            reasons.Add($"kafka refused events for good {Seconds(now - refused)} s ago ({cycle.Delivery?.LastError ?? "no detail"})");
        }
        if (snapshot.CircuitNotClosedSince is DateTimeOffset open && now - open > CircuitOpenLimit)
        {
            reasons.Add($"the kafka delivery circuit has been open for {Seconds(now - open)} s ({cycle.Delivery?.LastError ?? "no detail"})");
        }
        if (reasons.Count > before)
        {
            return "failing";
        }
        // Behind by a cycle's worth is normal; "spooling" is the outage the spool is absorbing.
        return snapshot.CircuitNotClosedSince is not null || cycle.Delivery?.Spooling == true ? "spooling" : "ok";
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
}
