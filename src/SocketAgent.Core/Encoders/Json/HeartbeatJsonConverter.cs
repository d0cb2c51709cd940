using System.Text.Json;
using System.Text.Json.Serialization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes <c>heartbeat.*</c>. The open maps are written in ordinal key order so two heartbeats diff line by line;
/// a key outside the schema's alphabet is written with the offending characters replaced by '_' rather than
/// produce a line the schema refuses.
/// </summary>
internal sealed class HeartbeatJsonConverter : JsonConverter<HeartbeatJson>
{
    private static readonly JsonEncodedText s_uptimeMs = JsonEncodedText.Encode("uptime_ms");
    private static readonly JsonEncodedText s_cycles = JsonEncodedText.Encode("cycles");
    private static readonly JsonEncodedText s_socketsTracked = JsonEncodedText.Encode("sockets_tracked");
    private static readonly JsonEncodedText s_collection = JsonEncodedText.Encode("collection");
    private static readonly JsonEncodedText s_lastMs = JsonEncodedText.Encode("last_ms");
    private static readonly JsonEncodedText s_avgMs = JsonEncodedText.Encode("avg_ms");
    private static readonly JsonEncodedText s_rssBytes = JsonEncodedText.Encode("rss_bytes");
    private static readonly JsonEncodedText s_source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText s_events = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText s_counters = JsonEncodedText.Encode("counters");

    public override HeartbeatJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("heartbeat is written, never read.");

    public override void Write(Utf8JsonWriter writer, HeartbeatJson json, JsonSerializerOptions options)
    {
        HeartbeatRecord value = json.Value;
        writer.WriteStartObject();
        writer.WriteNumber(s_uptimeMs, Math.Max(0, (long)value.Uptime.TotalMilliseconds));
        writer.WriteNumber(s_cycles, Math.Max(0, value.Cycles));
        writer.WriteNumber(s_socketsTracked, Math.Max(0, value.SocketsTracked));
        if (value.LastCollectionMilliseconds is not null || value.AverageCollectionMilliseconds is not null)
        {
            writer.WriteStartObject(s_collection);
            WriteMilliseconds(writer, s_lastMs, value.LastCollectionMilliseconds);
            WriteMilliseconds(writer, s_avgMs, value.AverageCollectionMilliseconds);
            writer.WriteEndObject();
        }
        if (value.RssBytes is long rss)
        {
            writer.WriteNumber(s_rssBytes, Math.Max(0, rss));
        }
        if (value.Source is string source)
        {
            writer.WriteString(s_source, source);
        }
        WriteMap(writer, s_events, value.Events);
        WriteMap(writer, s_counters, value.Counters);
        writer.WriteEndObject();
    }

    private static void WriteMilliseconds(Utf8JsonWriter writer, JsonEncodedText name, double? value)
    {
        if (value is double ms && double.IsFinite(ms))
        {
            // Microsecond resolution is plenty and keeps the number short.
            writer.WriteNumber(name, Math.Round(Math.Max(0, ms), 3));
        }
    }

    private static void WriteMap(Utf8JsonWriter writer, JsonEncodedText name, IReadOnlyDictionary<string, long>? map)
    {
        writer.WriteStartObject(name);
        if (map is { Count: > 0 })
        {
            string[] keys = new string[map.Count];
            int n = 0;
            foreach (KeyValuePair<string, long> pair in map)
            {
                if (n < keys.Length)
                {
                    keys[n++] = pair.Key;
                }
            }
            Array.Sort(keys, 0, n, StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                writer.WriteNumber(SanitizeKey(keys[i]), Math.Max(0, map[keys[i]]));
            }
        }
        writer.WriteEndObject();
    }

    internal static string SanitizeKey(string key)
    {
        if (key.Length > 0 && !key.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789_.") && key[0] != '.' && key[^1] != '.' && !key.Contains("..", StringComparison.Ordinal))
        {
            return key;
        }
        if (key.Length == 0)
        {
            return "_";
        }
        return string.Create(key.Length, key, static (span, source) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                char c = char.ToLowerInvariant(source[i]);
                span[i] = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_';
            }
        });
    }
}
