using System.Text.Json;
using System.Text.Json.Nodes;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>The schema must reject drift in the event lines too, or validating them proves nothing.</summary>
public class EventSchemaTests
{
    private static JsonObject ClosedLine()
    {
        SocketRecord listener = EventRecords.Listener("0.0.0.0", 22);
        var directions = ConnectionDirectionResolver.FromSockets([listener]);
        string line = EventRecords.Write(w => w.WriteEvent(
            EventRecords.Socket(SocketEventAction.Closed, EventRecords.Tcp("192.0.2.1", 22, "198.51.100.7", 50123), TestRecords.Sshd),
            EventRecords.Stamp(5), EventRecords.Agent, TestRecords.Host, directions))[0];
        return JsonNode.Parse(line)!.AsObject();
    }

    private static JsonObject HeartbeatLine() =>
        JsonNode.Parse(EventRecords.Write(w => w.WriteHeartbeat(EventRecords.Heartbeat, EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host))[0])!.AsObject();

    private static JsonObject InterfaceLine() =>
        JsonNode.Parse(EventRecords.Write(w => w.WriteEvent(
            new InterfaceEvent { Action = "address_added", Interface = HostStateRecords.Loopback, Address = HostStateRecords.Loopback.Addresses[0], Timestamp = EventRecords.At(1) },
            EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host))[0])!.AsObject();

    [Fact]
    public void UnmutatedLines_AreValid()
    {
        Assert.Null(Validate(ClosedLine()));
        Assert.Null(Validate(HeartbeatLine()));
        Assert.Null(Validate(InterfaceLine()));
    }

    [Theory]
    [InlineData("event without id", "$.event.id", null)]
    [InlineData("event without sequence", "$.event.sequence", null)]
    [InlineData("negative sequence", "$.event.sequence", "-1")]
    [InlineData("sequence as string", "$.event.sequence", "\"5\"")]
    [InlineData("event without agent", "$.agent", null)]
    [InlineData("agent without ephemeral id", "$.agent.ephemeral_id", null)]
    [InlineData("wrong agent type", "$.agent.type", "\"filebeat\"")]
    [InlineData("extra agent field", "$.agent.name", "\"x\"")]
    [InlineData("extra boot field", "$.host.boot.time", "1")]
    [InlineData("unknown socket action", "$.event.action", "\"reset\"")]
    [InlineData("route action on a socket", "$.event.action", "\"added\"")]
    [InlineData("closed as state", "$.event.kind", "\"state\"")]
    [InlineData("closed typed as start", "$.event.type", "[\"connection\",\"start\"]")]
    [InlineData("non-ECS event type", "$.event.type", "[\"closed\"]")]
    [InlineData("closed without seen_open", "$.socket.seen_open", null)]
    [InlineData("closed without end", "$.event.end", null)]
    [InlineData("negative duration", "$.event.duration", "-1")]
    [InlineData("fractional duration", "$.event.duration", "1.5")]
    [InlineData("unknown direction", "$.network.direction", "\"inbound\"")]
    [InlineData("ingress without source", "$.source", null)]
    [InlineData("ingress without destination", "$.destination", null)]
    [InlineData("server beside source", "$.server", """{"ip":"192.0.2.1","port":22}""")]
    [InlineData("previous_state on a closed event", "$.socket.previous_state", "\"ESTABLISHED\"")]
    [InlineData("heartbeat on a socket line", "$.heartbeat", "{\"uptime_ms\":1,\"cycles\":1,\"sockets_tracked\":1,\"events\":{},\"counters\":{}}")]
    [InlineData("bad source port", "$.source.port", "70000")]
    public void SocketEvent_RejectsDrift(string why, string path, string? json) => AssertRejected(ClosedLine(), path, json, why);

    [Theory]
    [InlineData("listening with a source", "$.source", "{\"ip\":\"1.2.3.4\",\"port\":1}")]
    [InlineData("listening without server", "$.server", null)]
    public void Listener_RejectsDrift(string why, string path, string? json)
    {
        JsonObject line = JsonNode.Parse(EventRecords.Write(w => w.WriteEvent(
            EventRecords.Socket(SocketEventAction.Opened, EventRecords.Listener("0.0.0.0", 22)), EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host,
            new ConnectionDirectionResolver()))[0])!.AsObject();
        AssertRejected(line, path, json, why);
    }

    [Theory]
    [InlineData("wrong action", "$.event.action", "\"beat\"")]
    [InlineData("heartbeat as event", "$.event.kind", "\"event\"")]
    [InlineData("missing heartbeat", "$.heartbeat", null)]
    [InlineData("missing counters", "$.heartbeat.counters", null)]
    [InlineData("negative counter", "$.heartbeat.counters.errors", "-1")]
    [InlineData("bad counter name", "$.heartbeat.counters", "{\"Bad Name\":1}")]
    [InlineData("string counter", "$.heartbeat.events", "{\"socket.opened\":\"1\"}")]
    [InlineData("extra heartbeat field", "$.heartbeat.loss", "0")]
    [InlineData("socket on heartbeat", "$.socket", "{\"state\":\"\"}")]
    [InlineData("network on heartbeat", "$.network", "{}")]
    public void Heartbeat_RejectsDrift(string why, string path, string? json) => AssertRejected(HeartbeatLine(), path, json, why);

    [Theory]
    [InlineData("address event without address", "$.interface.address", null)]
    [InlineData("address not a cidr", "$.interface.address", "\"127.0.0.1\"")]
    [InlineData("socket action on interface", "$.event.action", "\"opened\"")]
    [InlineData("creation typed as deletion", "$.event.type", "[\"deletion\"]")]
    [InlineData("direction on interface", "$.network", "{\"direction\":\"ingress\"}")]
    public void InterfaceEvent_RejectsDrift(string why, string path, string? json) => AssertRejected(InterfaceLine(), path, json, why);

    [Fact]
    public void OnceLine_WithAgentButNoId_IsRejected()
    {
        JsonObject line = JsonNode.Parse(JsonLines.Write(TestRecords.Snapshot([TestRecords.TcpListenerV4]))[0])!.AsObject();
        line["agent"] = JsonNode.Parse("""{"id":"a","ephemeral_id":"b","version":"1","type":"socket-agent"}""");

        Assert.NotNull(Validate(line));
    }

    private static void AssertRejected(JsonObject line, string path, string? json, string why)
    {
        Mutate(line, path, json);
        Assert.True(Validate(line) is not null, why);
    }

    private static string? Validate(JsonObject line) =>
        SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject));

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
