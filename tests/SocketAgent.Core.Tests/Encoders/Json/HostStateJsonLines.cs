using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Runs host-state records through <see cref="JsonLinesWriter"/>; every line is schema-validated.</summary>
internal static class HostStateJsonLines
{
    public static byte[] WriteBytes(Action<JsonLinesWriter> write, RouteTableNames? tables = null)
    {
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, tables))
        {
            write(writer);
            writer.Flush();
        }
        return stream.ToArray();
    }

    public static string[] Routes(IReadOnlyList<RouteRecord> routes, NetworkNamespace? ns = null, RouteTableNames? tables = null) =>
        SchemaValidator.AssertValidLines(WriteBytes(w => w.WriteRoutes(routes, ns, TestRecords.Host, TestRecords.Timestamp), tables));

    public static string[] Interfaces(IReadOnlyList<InterfaceRecord> interfaces, NetworkNamespace? ns = null) =>
        SchemaValidator.AssertValidLines(WriteBytes(w => w.WriteInterfaces(interfaces, ns, TestRecords.Host, TestRecords.Timestamp)));

    public static string[] Statistics(IReadOnlyList<ProtocolStatistics> statistics, NetworkNamespace? ns = null) =>
        SchemaValidator.AssertValidLines(WriteBytes(w => w.WriteStatistics(statistics, ns, TestRecords.Host, TestRecords.Timestamp)));

    public static JsonElement Route(RouteRecord route, NetworkNamespace? ns = null, RouteTableNames? tables = null) => Single(Routes([route], ns, tables));

    public static JsonElement Interface(InterfaceRecord link, NetworkNamespace? ns = null) => Single(Interfaces([link], ns));

    public static JsonElement Statistic(ProtocolStatistics statistics, NetworkNamespace? ns = null) => Single(Statistics([statistics], ns));

    public static JsonElement Parse(string line)
    {
        using JsonDocument document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    private static JsonElement Single(string[] lines)
    {
        Assert.Single(lines);
        return Parse(lines[0]);
    }

    public static string[] Strings(this JsonElement element, string dottedPath) =>
        element.Get(dottedPath).EnumerateArray().Select(e => e.GetString()!).ToArray();
}
