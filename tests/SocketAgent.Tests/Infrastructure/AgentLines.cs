using System.Text.Json;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>The JSON lines of one <c>socket-agent --once</c> run, with lookups by the fields tests care about.</summary>
public sealed class AgentLines
{
    public AgentLines(IEnumerable<string> lines)
    {
        Documents = lines.Select(static l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    public IReadOnlyList<JsonElement> Documents { get; }

    public static string? Str(JsonElement e, string path)
    {
        JsonElement? v = Get(e, path);
        return v is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
    }

    public static long? Num(JsonElement e, string path)
    {
        JsonElement? v = Get(e, path);
        return v is { ValueKind: JsonValueKind.Number } n ? n.GetInt64() : null;
    }

    /// <summary>Follows a dotted ECS path through nested objects (<c>socket.local.port</c>).</summary>
    public static JsonElement? Get(JsonElement e, string path)
    {
        JsonElement current = e;
        foreach (string part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }
        return current;
    }

    public IEnumerable<JsonElement> Where(string transport) =>
        Documents.Where(d => Str(d, "network.transport") == transport);

    public JsonElement SingleInet(string transport, string localIp, int localPort, string? remoteIp = null, int? remotePort = null)
    {
        List<JsonElement> matches = Where(transport).Where(d =>
            Str(d, "socket.local.ip") == localIp && Num(d, "socket.local.port") == localPort &&
            (remoteIp is null || Str(d, "socket.remote.ip") == remoteIp) &&
            (remotePort is null || Num(d, "socket.remote.port") == remotePort)).ToList();
        Assert.True(matches.Count == 1,
            $"expected one {transport} socket {localIp}:{localPort} -> {remoteIp}:{remotePort}, found {matches.Count}");
        return matches[0];
    }
}
