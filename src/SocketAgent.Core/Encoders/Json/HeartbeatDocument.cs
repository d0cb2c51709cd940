using System.Text.Json.Serialization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// One JSON line of dataset <c>agent</c>: the heartbeat, with the agent's own counters (<see cref="HeartbeatRecord"/>).
/// Same envelope as the other documents (and the same rule: a new member needs a schema entry too).
/// </summary>
public sealed class HeartbeatDocument
{
    /// <summary>UTC time of the heartbeat, RFC 3339 with nine fractional digits.</summary>
    [JsonPropertyName("@timestamp")]
    public required string Timestamp { get; set; }

    public required EventFields Event { get; set; }

    public required HostFields Host { get; set; }

    public required AgentFields Agent { get; set; }

    public required HeartbeatJson Heartbeat { get; set; }
}
