using System.Text.Json;
using System.Text.Json.Nodes;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>The schema's route, interface and netstat parts must reject drift, or validating against them proves nothing.</summary>
public class HostStateSchemaTests
{
    [Theory]
    [InlineData("unknown field in route", "$.route.extra", "1")]
    [InlineData("unknown field in nexthop", "$.route.nexthops.0.extra", "1")]
    [InlineData("destination without prefix", "$.route.destination", "\"10.1.0.0\"")]
    [InlineData("prefix too long", "$.route.destination", "\"10.1.0.0/33\"")]
    [InlineData("gateway not an ip", "$.route.gateway", "\"gw\"")]
    [InlineData("metric as string", "$.route.metric", "\"20\"")]
    [InlineData("table with a space", "$.route.table", "\"my table\"")]
    [InlineData("unknown route type name", "$.route.type", "\"unicastish\"")]
    [InlineData("unknown protocol name", "$.route.protocol", "\"quagga\"")]
    [InlineData("flags as number", "$.route.nexthops.1.flags", "4")]
    [InlineData("missing destination", "$.route.destination", null)]
    [InlineData("missing table", "$.route.table", null)]
    [InlineData("socket transport on a route", "$.network.transport", "\"tcp\"")]
    [InlineData("socket object on a route", "$.socket", "{}")]
    [InlineData("missing network type", "$.network.type", null)]
    [InlineData("unknown netns field", "$.netns.extra", "1")]
    [InlineData("netns inode as string", "$.netns.inode", "\"4026532301\"")]
    [InlineData("empty netns name", "$.netns.name", "\"\"")]
    [InlineData("netns without inode", "$.netns.inode", null)]
    [InlineData("netns under network", "$.network.netns", """{"inode":1}""")]
    [InlineData("empty container id", "$.container.id", "\"\"")]
    [InlineData("process on a route", "$.process", "{\"pid\":1,\"name\":\"x\",\"args\":[],\"args_count\":0}")]
    public void Route_RejectsDrift(string why, string path, string? json) =>
        AssertRejected(why, Schema(HostStateJsonLines.Routes([HostStateRecords.Multipath], HostStateRecords.NamedNamespace)[0]), path, json);

    [Theory]
    [InlineData("unknown field in interface", "$.interface.extra", "1")]
    [InlineData("mtu as string", "$.interface.mtu", "\"1500\"")]
    [InlineData("mtu negative", "$.interface.mtu", "-1")]
    [InlineData("mtu fractional", "$.interface.mtu", "1500.5")]
    [InlineData("counter as string", "$.interface.rx.bytes", "\"1\"")]
    [InlineData("counter negative", "$.interface.tx.packets", "-1")]
    [InlineData("counter too big", "$.interface.rx.packets", "18446744073709551616")]
    [InlineData("unknown rx counter", "$.interface.rx.extra", "1")]
    [InlineData("rx counter above signed 64-bit", "$.interface.rx.nohandler", "9223372036854775808")]
    [InlineData("unknown state", "$.interface.state", "\"UP\"")]
    [InlineData("lowercase flag", "$.interface.flags", "[\"up\"]")]
    [InlineData("mac in uppercase", "$.interface.mac", "\"02:42:AC:11:00:0F\"")]
    [InlineData("mac with dashes", "$.interface.mac", "\"02-42-ac-11-00-0f\"")]
    [InlineData("address without prefix", "$.interface.addresses", "[\"10.1.2.3\"]")]
    [InlineData("unknown address detail", "$.interface.address_details.0.extra", "1")]
    [InlineData("missing name", "$.interface.name", null)]
    [InlineData("missing flags", "$.interface.flags", null)]
    [InlineData("network type on an interface", "$.network", """{"type":"ipv4"}""")]
    [InlineData("route object on an interface", "$.route", "{}")]
    public void Interface_RejectsDrift(string why, string path, string? json) =>
        AssertRejected(why, Schema(HostStateJsonLines.Interfaces([HostStateRecords.VethDown], HostStateRecords.HostNamespace)[0]), path, json);

    [Theory]
    [InlineData("non-integer counter", "$.netstat.counters.ActiveOpens", "1.5")]
    [InlineData("string counter", "$.netstat.counters.ActiveOpens", "\"12\"")]
    [InlineData("counter too big", "$.netstat.counters.ActiveOpens", "9223372036854775808")]
    [InlineData("counter name with a space", "$.netstat.counters.Active Opens", "1")]
    [InlineData("counter name empty", "$.netstat.counters.", "1")]
    [InlineData("nested counter", "$.netstat.counters.ActiveOpens", "{\"v\":1}")]
    [InlineData("unknown netstat field", "$.netstat.extra", "1")]
    [InlineData("missing counters", "$.netstat.counters", null)]
    [InlineData("missing group", "$.netstat.group", null)]
    [InlineData("unknown dataset", "$.event.dataset", "\"snmp\"")]
    [InlineData("interface object on netstat", "$.interface", "{}")]
    public void Netstat_RejectsDrift(string why, string path, string? json) =>
        AssertRejected(why, Schema(HostStateJsonLines.Statistics([HostStateRecords.Tcp])[0]), path, json);

    [Fact]
    public void Socket_RequiresTransport_AndRejectsHostStateObjects()
    {
        JsonObject line = Schema(JsonLines.Write(TestRecords.Snapshot([TestRecords.TcpListenerV4]))[0]);
        AssertRejected("socket without transport", line, "$.network.transport", null);

        line = Schema(JsonLines.Write(TestRecords.Snapshot([TestRecords.TcpListenerV4]))[0]);
        AssertRejected("route on a socket", line, "$.route", "{}");
    }

    [Fact]
    public void UnmutatedLines_AreAccepted()
    {
        Assert.Null(Validate(Schema(HostStateJsonLines.Routes([HostStateRecords.Multipath], HostStateRecords.NamedNamespace)[0])));
        Assert.Null(Validate(Schema(HostStateJsonLines.Interfaces([HostStateRecords.VethDown], HostStateRecords.HostNamespace)[0])));
        Assert.Null(Validate(Schema(HostStateJsonLines.Statistics([HostStateRecords.Tcp])[0])));
    }

    private static JsonObject Schema(string line) => JsonNode.Parse(line)!.AsObject();

    private static string? Validate(JsonObject line) =>
        SchemaValidator.Validate(JsonSerializer.SerializeToElement(line, TestJsonContext.Default.JsonObject));

    private static void AssertRejected(string why, JsonObject line, string path, string? json)
    {
        Mutate(line, path, json);
        Assert.True(Validate(line) is not null, why);
    }

    // "$.a.b.0.c": object members by name, array items by index; the last part is set (or removed when json is null).
    private static void Mutate(JsonObject root, string path, string? json)
    {
        string[] parts = path[2..].Split('.');
        JsonNode parent = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            parent = int.TryParse(parts[i], out int index) && parent is JsonArray array ? array[index]! : parent[parts[i]]!;
        }
        JsonObject target = parent.AsObject();
        if (json is null)
        {
            Assert.True(target.Remove(parts[^1]), $"{path} was not there to remove");
        }
        else
        {
            target[parts[^1]] = JsonNode.Parse(json);
        }
    }
}
