namespace SocketAgent.Correlation;

/// <summary>What the join did, for the summary on stderr and the tests.</summary>
internal sealed class CorrelationCounters
{
    public long Lines { get; set; }
    public long Invalid { get; set; }
    public long Ignored { get; set; }
    public long ConnectionEvents { get; set; }
    public long DuplicateEvents { get; set; }

    /// <summary>Events of a connection already written (the far end after a one-sided line, a redelivery past the id window).</summary>
    public long LateEvents { get; set; }

    public long TwoSided { get; set; }
    public long OneSided { get; set; }

    /// <summary>Open connections forgotten after the idle timeout.</summary>
    public long Expired { get; set; }

    /// <summary>Connections pushed out by the cap.</summary>
    public long Evicted { get; set; }

    public override string ToString() =>
        $"{Lines} lines, {ConnectionEvents} connection events, {DuplicateEvents} duplicates, {LateEvents} late, {Ignored} ignored, {Invalid} invalid; "
        + $"{TwoSided} two-sided and {OneSided} one-sided connections written, {Expired} expired, {Evicted} evicted";
}
