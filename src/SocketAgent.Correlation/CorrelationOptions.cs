namespace SocketAgent.Correlation;

/// <summary>How the join waits, remembers and forgets. Times are event time (the events' <c>@timestamp</c>) unless named wall.</summary>
internal sealed class CorrelationOptions
{
    /// <summary>How long after an end closed to wait for the far end's close before writing what is known.</summary>
    /// <value>30 s.</value>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Also count <see cref="Wait"/> in wall time since the event arrived, so a quiet stream still flushes (Kafka mode).</summary>
    public bool WaitInWallTime { get; init; }

    /// <summary>An open connection with no event for this long is forgotten (its closed events, which carry everything, still join later).</summary>
    /// <value>1 h.</value>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Clock skew and observation lag tolerated when checking that two ends' lives overlap.</summary>
    /// <value>5 s.</value>
    public TimeSpan Skew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections held at most; past it the least recently active is evicted (written if an end closed, else dropped), counted.</summary>
    /// <value>200,000.</value>
    public int MaxConnections { get; init; } = 200_000;

    /// <summary>Event ids remembered to drop redelivered events.</summary>
    /// <value>262,144.</value>
    public int RecentEventIds { get; init; } = 262_144;

    /// <summary>Written connections remembered so none is written twice.</summary>
    /// <value>262,144.</value>
    public int EmittedConnections { get; init; } = 262_144;

    /// <summary>How long (event time, after its end) a written connection is remembered.</summary>
    /// <value>1 h.</value>
    public TimeSpan EmittedRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Distinct raw strings (host names, command lines, argv) shared between events.</summary>
    /// <value>65,536.</value>
    public int InternedValues { get; init; } = 65_536;
}
