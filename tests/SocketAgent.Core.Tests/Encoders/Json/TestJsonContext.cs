using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SocketAgent.Tests.Encoders.Json;

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class TestJsonContext : JsonSerializerContext
{
}
