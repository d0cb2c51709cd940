using System.Text.Json.Serialization;

namespace SocketAgent.Encoders.Json;

/// <summary><c>heartbeat.*</c>: a <see cref="HeartbeatRecord"/> written by <see cref="HeartbeatJsonConverter"/>.</summary>
[JsonConverter(typeof(HeartbeatJsonConverter))]
public readonly struct HeartbeatJson
{
    public HeartbeatJson(HeartbeatRecord value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    public HeartbeatRecord Value { get; }
}
