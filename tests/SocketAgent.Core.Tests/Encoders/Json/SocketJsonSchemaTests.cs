using System.Text.Json;
using System.Text.Json.Nodes;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>The schema must reject drift, or validating the output against it proves nothing.</summary>
public class SocketJsonSchemaTests
{
    [Fact]
    public void Schema_IsEmbeddedAndDeclaresDraft202012()
    {
        using JsonDocument schema = JsonDocument.Parse(SocketJsonSchema.ReadText());

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void Schema_EveryPropertyHasTypeOrRefAndDescription()
    {
        using JsonDocument schema = JsonDocument.Parse(SocketJsonSchema.ReadText());
        var missing = new List<string>();
        Walk(schema.RootElement, "#", missing);

        Assert.Empty(missing);

        static void Walk(JsonElement node, string path, List<string> missing)
        {
            if (node.ValueKind != JsonValueKind.Object)
            {
                return;
            }
            if (node.TryGetProperty("properties", out JsonElement properties) && node.TryGetProperty("type", out _))
            {
                foreach (JsonProperty property in properties.EnumerateObject())
                {
                    JsonElement value = property.Value;
                    bool typed = value.TryGetProperty("type", out _) || value.TryGetProperty("$ref", out _);
                    bool described = value.TryGetProperty("description", out _) ||
                        (value.TryGetProperty("$ref", out JsonElement target) && target.GetString()!.StartsWith("#/$defs/", StringComparison.Ordinal));
                    if (!typed || !described)
                    {
                        missing.Add($"{path}/properties/{property.Name}");
                    }
                }
            }
            foreach (JsonProperty child in node.EnumerateObject())
            {
                Walk(child.Value, $"{path}/{child.Name}", missing);
            }
        }
    }

    [Theory]
    [InlineData("extra top-level field", "$.extra", "1")]
    [InlineData("extra socket field", "$.socket.extra", "1")]
    [InlineData("extra tcp_info field", "$.socket.tcp_info.extra", "1")]
    [InlineData("extra process field", "$.process.extra", "1")]
    [InlineData("negative port", "$.source.port", "-1")]
    [InlineData("port too big", "$.destination.port", "65536")]
    [InlineData("local_end not an end", "$.socket.local_end", "\"local\"")]
    [InlineData("listening is not an ECS direction", "$.network.direction", "\"listening\"")]
    [InlineData("client copy of the ends", "$.client", """{"ip":"127.0.0.1","port":1}""")]
    [InlineData("socket.local copy of an end", "$.socket.local", """{"ip":"127.0.0.1","port":1}""")]
    [InlineData("netns under network", "$.network.netns", """{"inode":1}""")]
    [InlineData("counter above signed 64-bit", "$.socket.cookie", "9223372036854775808")]
    [InlineData("numeric user id", "$.user.id", "1000")]
    [InlineData("bad community id", "$.network.community_id", "\"2:abc\"")]
    [InlineData("unknown dataset", "$.event.dataset", "\"sockets\"")]
    [InlineData("unknown transport", "$.network.transport", "\"sctp\"")]
    [InlineData("timestamp without nanoseconds", "$.@timestamp", "\"2026-11-25T13:00:00.123Z\"")]
    [InlineData("timestamp not UTC", "$.@timestamp", "\"2026-11-25T13:00:00.123456700+01:00\"")]
    [InlineData("state as number", "$.socket.state", "1")]
    [InlineData("missing socket", "$.socket", null)]
    [InlineData("missing state", "$.socket.state", null)]
    [InlineData("missing host", "$.host", null)]
    [InlineData("unix field on tcp", "$.socket.path", "\"/tmp/x\"")]
    [InlineData("bad ip", "$.destination.ip", "\"not-an-ip\"")]
    public void Schema_RejectsDrift(string why, string path, string? json)
    {
        JsonObject line = ValidTcpLine();
        Mutate(line, path, json);

        Assert.True(SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject)) is not null, why);
    }

    [Fact]
    public void Schema_RejectsInetEndpointsOnUnix()
    {
        JsonObject line = ParseLine(JsonLines.Write(TestRecords.Snapshot([TestRecords.UnixPath]))[0]);
        Mutate(line, "$.source", """{"ip":"127.0.0.1","port":1}""");

        Assert.NotNull(SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject)));
    }

    [Fact]
    public void Schema_RejectsDottedKeys()
    {
        JsonObject line = ValidTcpLine();
        line["socket.state"] = "LISTEN";

        Assert.NotNull(SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject)));
    }

    [Fact]
    public void Schema_RequiresLocalEndWithSource()
    {
        JsonObject line = ValidTcpLine();
        Mutate(line, "$.socket.local_end", null);

        Assert.NotNull(SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject)));
    }

    [Fact]
    public void Schema_AcceptsTheUnmutatedLine()
    {
        JsonObject line = ValidTcpLine();

        Assert.Null(SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject)));
    }

    private static JsonObject ValidTcpLine()
    {
        var record = TestRecords.TcpEstablishedV6;
        return ParseLine(JsonLines.Write(TestRecords.Snapshot([record]))[0]);
    }

    private static JsonObject ParseLine(string line) => JsonNode.Parse(line)!.AsObject();

    private static void Mutate(JsonObject root, string path, string? json)
    {
        string[] parts = path[2..].Split('.');
        JsonObject parent = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            parent = parent[parts[i]]!.AsObject();
        }
        if (json is null)
        {
            Assert.True(parent.Remove(parts[^1]), $"{path} was not there to remove");
        }
        else
        {
            parent[parts[^1]] = JsonNode.Parse(json);
        }
    }
}
