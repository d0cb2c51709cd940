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

    /// <summary>Follows a dotted ECS path through nested objects (<c>server.port</c>).</summary>
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

    /// <summary>
    /// This socket's own end: the ECS end <c>socket.local_end</c> names (<c>source</c> or <c>destination</c>), or
    /// <c>server</c> for a listener or unconnected UDP socket (which has no local_end); null for a unix socket.
    /// </summary>
    public static JsonElement? LocalEnd(JsonElement e) =>
        Str(e, "socket.local_end") is string end ? Get(e, end) : Get(e, "server");

    /// <summary>The peer's end: the ECS end that <c>socket.local_end</c> does not name; null when the socket has no peer.</summary>
    public static JsonElement? RemoteEnd(JsonElement e) => Str(e, "socket.local_end") switch
    {
        "source" => Get(e, "destination"),
        "destination" => Get(e, "source"),
        _ => null,
    };

    public static string? LocalIp(JsonElement e) => LocalEnd(e) is { } end ? Str(end, "ip") : null;

    public static long? LocalPort(JsonElement e) => LocalEnd(e) is { } end ? Num(end, "port") : null;

    public static string? RemoteIp(JsonElement e) => RemoteEnd(e) is { } end ? Str(end, "ip") : null;

    /// <summary>The peer's port; null when the socket has no peer (a listener, an unconnected UDP socket).</summary>
    public static long? RemotePort(JsonElement e) => RemoteEnd(e) is { } end ? Num(end, "port") : null;

    /// <summary><c>process.args</c> joined by spaces (the default profile has no <c>process.command_line</c>).</summary>
    public static string? Args(JsonElement e, string path = "process.args") =>
        Get(e, path) is { ValueKind: JsonValueKind.Array } args ? string.Join(' ', args.EnumerateArray().Select(static a => a.GetString())) : null;

    public IEnumerable<JsonElement> Where(string transport) =>
        Documents.Where(d => Str(d, "network.transport") == transport);

    public JsonElement SingleInet(string transport, string localIp, int localPort, string? remoteIp = null, int? remotePort = null)
    {
        List<JsonElement> matches = Where(transport).Where(d =>
            LocalIp(d) == localIp && LocalPort(d) == localPort &&
            (remoteIp is null || RemoteIp(d) == remoteIp) &&
            (remotePort is null || (RemotePort(d) ?? 0) == remotePort)).ToList(); // remotePort 0: no peer
        Assert.True(matches.Count == 1,
            $"expected one {transport} socket {localIp}:{localPort} -> {remoteIp}:{remotePort}, found {matches.Count}");
        return matches[0];
    }
}
