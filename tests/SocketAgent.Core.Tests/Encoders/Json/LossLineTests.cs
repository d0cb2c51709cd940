using System.Text;
using System.Text.Json;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

public sealed class LossLineTests
{
    [Fact]
    public void The_loss_line_names_the_exact_dropped_range_and_is_schema_valid()
    {
        using var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream))
        {
            writer.WriteLoss(1001, 1250, 250, "spool_full", "kafka", TestRecords.Timestamp, new EventStamp("01a2-loss", 1251),
                new AgentIdentity("5b0f3c1e-8a4d-4f2b-9c6e-1d2a3b4c5d6e", "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f", "0.1.0", null), TestRecords.Host);
        }
        string line = Encoding.UTF8.GetString(stream.ToArray()).TrimEnd('\n');
        SchemaValidator.AssertValid(line);

        JsonElement doc = JsonDocument.Parse(line).RootElement;
        Assert.Equal("agent", doc.GetProperty("event").GetProperty("dataset").GetString());
        Assert.Equal("loss", doc.GetProperty("event").GetProperty("action").GetString());
        Assert.Equal(1251, doc.GetProperty("event").GetProperty("sequence").GetInt64());
        JsonElement loss = doc.GetProperty("loss");
        Assert.Equal(1001, loss.GetProperty("first_sequence").GetInt64());
        Assert.Equal(1250, loss.GetProperty("last_sequence").GetInt64());
        Assert.Equal(250, loss.GetProperty("count").GetInt64());
        Assert.Equal("spool_full", loss.GetProperty("reason").GetString());
    }

    [Fact]
    public void The_schema_refuses_a_loss_line_without_its_range()
    {
        string line = "{\"@timestamp\":\"2026-11-25T13:00:00.123456700Z\",\"event\":{\"dataset\":\"agent\",\"action\":\"loss\",\"kind\":\"event\",\"category\":[\"host\"],\"type\":[\"info\"],\"id\":\"x\",\"sequence\":5},"
            + "\"host\":{\"name\":\"h\"},\"agent\":{\"id\":\"a\",\"ephemeral_id\":\"b\",\"version\":\"1\",\"type\":\"socket-agent\"},\"loss\":{\"count\":3,\"reason\":\"spool_full\"}}";
        using JsonDocument document = JsonDocument.Parse(line);
        Assert.NotNull(SchemaValidator.Validate(document.RootElement));
    }
}
