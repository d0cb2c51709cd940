using System.Text.Json.Serialization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Source-generated serialization for the JSON-lines documents (no reflection: the library is AOT-compatible).
/// Serialization-only mode emits the fast path that writes straight to the <see cref="System.Text.Json.Utf8JsonWriter"/>.
/// </summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Serialization,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(RouteDocument))]
[JsonSerializable(typeof(InterfaceDocument))]
[JsonSerializable(typeof(NetstatDocument))]
[JsonSerializable(typeof(HeartbeatDocument))]
[JsonSerializable(typeof(LossDocument))]
internal sealed partial class SocketJsonContext : JsonSerializerContext
{
}
