using System.Text.Json.Serialization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// One JSON line of dataset <c>agent</c>, action <c>loss</c>: the exact range of events the durable spool dropped
/// when it was full. Nothing is lost silently: the gap in <c>event.sequence</c> is named by this line.
/// </summary>
public sealed class LossDocument
{
    [JsonPropertyName("@timestamp")]
    public required string Timestamp { get; set; }

    public required EventFields Event { get; set; }

    public required HostFields Host { get; set; }

    public required AgentFields Agent { get; set; }

    public required LossFields Loss { get; set; }
}

/// <summary><c>loss.*</c>.</summary>
public sealed class LossFields
{
    [JsonPropertyName("first_sequence")]
    public long FirstSequence { get; set; }

    [JsonPropertyName("last_sequence")]
    public long LastSequence { get; set; }

    public long Count { get; set; }

    public required string Reason { get; set; }

    public string? Output { get; set; }
}
