using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SocketAgent.Correlation;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// The captured fixture (two daemons in two namespaces, a python client and server exchanging 3000 and 70000 bytes:
/// Correlation/capture-events.sh), and an engine whose JSON output is parsed back and checked against the schema.
/// </summary>
internal sealed class CorrelationHarness
{
    private readonly MemoryStream _output = new();
    private readonly ConnectionJsonWriter _sink;

    public CorrelationHarness(CorrelationOptions? options = null, OffsetTracker? offsets = null)
    {
        _sink = new ConnectionJsonWriter(_output);
        Engine = new CorrelationEngine(options ?? new CorrelationOptions(), _sink, Log.Add, offsets);
    }

    public CorrelationEngine Engine { get; }

    public List<string> Log { get; } = [];

    public static string[] Client => Load("client.jsonl");

    public static string[] Server => Load("server.jsonl");

    public const string ClientAgent = "5bad1edd-2fa2-4793-81ce-e3ac668f5049";
    public const string ServerAgent = "d1377882-d5f5-4b7c-ba2c-123a60cf28c5";

    public static string[] Load(string name) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "correlation", name)).Where(static l => l.Length > 0).ToArray();

    public void Feed(IEnumerable<string> lines, long wall = 0)
    {
        foreach (string line in lines)
        {
            Engine.ProcessLine(Encoding.UTF8.GetBytes(line), SourcePosition.None, wall);
        }
    }

    /// <summary>The lines written so far, each validated against the schema.</summary>
    public List<JsonElement> Lines()
    {
        Engine.Poll(0);
        _sink.Flush();
        return Parse();
    }

    public List<JsonElement> Finish()
    {
        Engine.Poll(0);
        Engine.FlushAll();
        return Parse();
    }

    private List<JsonElement> Parse()
    {
        string text = Encoding.UTF8.GetString(_output.ToArray());
        var lines = new List<JsonElement>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonElement element = JsonDocument.Parse(line).RootElement.Clone();
            EvaluationResults results = s_schema.Value.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
            Assert.True(results.IsValid, $"not valid against correlate.schema.json: {line}");
            lines.Add(element);
        }
        return lines;
    }

    private static readonly Lazy<JsonSchema> s_schema = new(() => JsonSchema.FromText(File.ReadAllText(SchemaPath())));

    private static string SchemaPath([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "src", "SocketAgent.Correlation", "correlate.schema.json"));

    /// <summary>A captured line changed: a fresh event id, times shifted, other fields set by <paramref name="change"/>.</summary>
    public static string Rewrite(string line, TimeSpan shift, Action<JsonObject>? change = null)
    {
        JsonObject node = JsonNode.Parse(line)!.AsObject();
        node["@timestamp"] = Shift(node["@timestamp"]!.GetValue<string>(), shift);
        JsonObject evt = node["event"]!.AsObject();
        evt["id"] = Guid.CreateVersion7().ToString();
        foreach (string name in new[] { "start", "end" })
        {
            if (evt[name] is JsonNode value)
            {
                evt[name] = Shift(value.GetValue<string>(), shift);
            }
        }
        change?.Invoke(node);
        return node.ToJsonString();
    }

    private static string Shift(string timestamp, TimeSpan shift) =>
        EventTimestamp.ToText(Nanoseconds(timestamp) + shift.Ticks * 100);

    public static long Nanoseconds(string timestamp)
    {
        Assert.True(EventTimestamp.TryParse(Encoding.ASCII.GetBytes(timestamp), out long value), timestamp);
        return value;
    }

    /// <summary>Gives the line another connection's identity: a different client port and a matching community id.</summary>
    public static void OtherConnection(JsonObject node, int clientPort, string communityId)
    {
        node["network"]!["community_id"] = communityId;
        bool isClient = LocalEnd(node)!["port"]!.GetValue<int>() != 7407;
        (isClient ? LocalEnd(node) : RemoteEnd(node))!["port"] = clientPort;
    }

    /// <summary>The ECS end (<c>source</c> or <c>destination</c>) that <c>socket.local_end</c> names; null for a listener.</summary>
    public static JsonObject? LocalEnd(JsonObject node) =>
        node["socket"]?["local_end"]?.GetValue<string>() is string end ? node[end]?.AsObject() : null;

    /// <summary>The other ECS end: the peer of the socket; null for a listener or a socket with no peer.</summary>
    public static JsonObject? RemoteEnd(JsonObject node) =>
        node["socket"]?["local_end"]?.GetValue<string>() switch
        {
            "source" => node["destination"]?.AsObject(),
            "destination" => node["source"]?.AsObject(),
            _ => null,
        };

    public static string CommunityId(int seed)
    {
        byte[] hash = new byte[20];
        BitConverter.TryWriteBytes(hash, seed);
        hash[19] = 0x5A;
        return "1:" + Convert.ToBase64String(hash);
    }
}
