using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes <c>netstat.*</c>: <c>group</c>, <c>source</c> and <c>counters</c>, an object from the kernel's counter
/// names to their (signed) values. The names are open-ended — a new kernel adds columns — so the schema constrains
/// only their form: a name that is not <c>[A-Za-z0-9_]+</c>, or repeats one already written in the group, can only
/// come from a damaged file and is left out rather than break the contract or make the object ambiguous.
/// </summary>
internal sealed class NetstatJsonConverter : JsonConverter<NetstatJson>
{
    private static readonly JsonEncodedText s_group = JsonEncodedText.Encode("group");
    private static readonly JsonEncodedText s_source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText s_counters = JsonEncodedText.Encode("counters");

    private static readonly SearchValues<char> s_nameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    // The kernel's longest names (TcpExt: TCPDelivered..., MPTcpExt) are ~30 characters.
    private const int MaxNameLength = 128;

    public override NetstatJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("netstat is written, never read.");

    public override void Write(Utf8JsonWriter writer, NetstatJson json, JsonSerializerOptions options)
    {
        ProtocolStatistics statistics = json.Value;
        writer.WriteStartObject();
        writer.WriteString(s_group, statistics.Group);
        writer.WriteString(s_source, statistics.SourceFile);
        writer.WriteStartObject(s_counters);
        IReadOnlyList<KeyValuePair<string, long>> counters = statistics.Counters;
        for (int i = 0; i < counters.Count; i++)
        {
            (string name, long value) = counters[i];
            if (IsValidName(name) && !AppearsBefore(counters, i, name))
            {
                writer.WriteNumber(name, value);
            }
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } &&
        !name.AsSpan().ContainsAnyExcept(s_nameChars);

    // Groups hold at most a few hundred counters and kernel files never repeat a name, so the scan is short and the
    // common case allocates nothing (no set per line).
    private static bool AppearsBefore(IReadOnlyList<KeyValuePair<string, long>> counters, int index, string name)
    {
        for (int j = 0; j < index; j++)
        {
            if (string.Equals(counters[j].Key, name, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
