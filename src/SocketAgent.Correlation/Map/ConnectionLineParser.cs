using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// Reads one of correlate's lines (correlate.schema.json) with <see cref="JsonDocument"/> (no reflection). What is
/// needed to place the connection — both ends' ip and port, the transport, a time — must be there; everything else
/// is optional. A line that is not a connection line gives a reason instead of an exception.
/// </summary>
internal static class ConnectionLineParser
{
    public static bool TryParse(string text, [NotNullWhen(true)] out ConnectionLine? line, [NotNullWhen(false)] out string? error)
    {
        line = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return TryRead(document.RootElement, out line, out error);
        }
        catch (JsonException ex)
        {
            error = $"not JSON ({ex.Message})";
            return false;
        }
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out ConnectionLine? line, [NotNullWhen(false)] out string? error)
    {
        line = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "not a JSON object";
            return false;
        }
        if (!TrySide(root, "client", out ConnectionSide? client, out error) || !TrySide(root, "server", out ConnectionSide? server, out error))
        {
            return false;
        }
        string? transport = String(root, "network", "transport");
        if (transport is null)
        {
            error = "no network.transport";
            return false;
        }
        long timestamp = Time(String(root, "@timestamp"));
        long start = Time(String(root, "event", "start"));
        long end = Time(String(root, "event", "end"));
        if (start == EventTimestamp.Unknown)
        {
            start = timestamp;
        }
        if (start == EventTimestamp.Unknown)
        {
            error = "no event.start or @timestamp";
            return false;
        }
        line = new ConnectionLine
        {
            Client = client,
            Server = server,
            Transport = transport,
            Start = start,
            LastSeen = end != EventTimestamp.Unknown ? end : timestamp != EventTimestamp.Unknown ? timestamp : start,
            Open = String(root, "correlation", "state") == "open",
            EventId = String(root, "event", "id"),
        };
        return true;
    }

    private static bool TrySide(JsonElement root, string name, [NotNullWhen(true)] out ConnectionSide? side, [NotNullWhen(false)] out string? error)
    {
        side = null;
        error = null;
        if (!root.TryGetProperty(name, out JsonElement end) || end.ValueKind != JsonValueKind.Object)
        {
            error = $"no {name} object";
            return false;
        }
        if (String(end, "ip") is not { } ip)
        {
            error = $"no {name}.ip";
            return false;
        }
        if (!end.TryGetProperty("port", out JsonElement portValue) || !portValue.TryGetInt32(out int port) || port is < 0 or > 65535)
        {
            error = $"no {name}.port";
            return false;
        }
        side = new ConnectionSide
        {
            Ip = ip,
            Port = port,
            Bytes = end.TryGetProperty("bytes", out JsonElement bytes) && bytes.TryGetInt64(out long count) && count >= 0 ? count : -1,
            HostName = String(end, "host", "name"),
            ProcessName = String(end, "process", "name"),
            Container = String(end, "container", "name") ?? String(end, "container", "id"),
            Pod = Pod(end),
            Unit = String(end, "systemd", "unit"),
        };
        return true;
    }

    /// <summary>Beats' <c>kubernetes.pod.name</c>, else ECS's <c>orchestrator.resource.name</c> when its type is pod; with its namespace.</summary>
    private static string? Pod(JsonElement end)
    {
        if (String(end, "kubernetes", "pod", "name") is { } pod)
        {
            return String(end, "kubernetes", "namespace") is { } ns ? $"{ns}/{pod}" : pod;
        }
        if (String(end, "orchestrator", "resource", "type") == "pod" && String(end, "orchestrator", "resource", "name") is { } resource)
        {
            return String(end, "orchestrator", "namespace") is { } ns ? $"{ns}/{resource}" : resource;
        }
        return null;
    }

    /// <summary>The non-empty string at that path, or null.</summary>
    private static string? String(JsonElement element, params ReadOnlySpan<string> path)
    {
        foreach (string name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text ? text : null;
    }

    private static long Time(string? text) =>
        text is not null && EventTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out long nanoseconds) ? nanoseconds : EventTimestamp.Unknown;
}
