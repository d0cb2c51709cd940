namespace SocketAgent.Correlation.Map;

/// <summary>
/// One end of a connection line as the map needs it. Container, pod and unit are read when a line carries them
/// (correlate does not write them today; an enriched or future line may), so the map names services by them then.
/// </summary>
internal sealed record ConnectionSide
{
    public required string Ip { get; init; }
    public required int Port { get; init; }

    /// <summary>Payload bytes this side sent, or -1 when the line does not say (UDP without the eBPF source).</summary>
    public long Bytes { get; init; } = -1;

    public string? HostName { get; init; }
    public string? ProcessName { get; init; }
    public string? Container { get; init; }
    public string? Pod { get; init; }
    public string? Unit { get; init; }
}
