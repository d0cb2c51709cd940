namespace SocketAgent.Correlation.Map;

/// <summary>One of correlate's connection lines, reduced to what the service map aggregates.</summary>
internal sealed record ConnectionLine
{
    public required ConnectionSide Client { get; init; }
    public required ConnectionSide Server { get; init; }
    public required string Transport { get; init; }

    /// <summary>event.start, nanoseconds since the epoch.</summary>
    public required long Start { get; init; }

    /// <summary>event.end, else @timestamp (the last time the connection was seen), nanoseconds since the epoch.</summary>
    public required long LastSeen { get; init; }

    public required bool Open { get; init; }

    /// <summary>The connection's stable event.id when the line has one: a repeated line (at-least-once files) is counted once.</summary>
    public string? EventId { get; init; }
}
