using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// Checks JSON lines leaf by leaf against ECS and the index template: an ECS field's value fits its ECS type and
/// allowed values and the template maps it as ECS does; a field under an ECS field set that ECS does not define is
/// an error (custom fields live in the agent's own namespaces, which the template keeps strict); every leaf is mapped
/// with a type its value fits; no integer is outside the signed 64-bit range. Arrays where ECS does not normalize to
/// one are warnings (Elasticsearch takes an array for any field).
/// </summary>
internal sealed partial class EcsLineChecker(EcsDefinitions ecs, TemplateMappings template)
{
    public EcsViolations Errors { get; } = new();
    public EcsViolations Warnings { get; } = new();
    public int Lines { get; private set; }
    public int Leaves { get; private set; }

    public void Check(string line)
    {
        Lines++;
        JsonElement root;
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            Errors.Add("(line)", "not JSON: " + ex.Message, line, line);
            return;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            Errors.Add("(line)", "not a JSON object", line, line);
            return;
        }
        foreach (JsonProperty property in root.EnumerateObject())
        {
            Walk(property.Value, property.Name, inArray: false, line);
        }
        CheckCategorization(root, line);
    }

    /// <summary>ECS pairs categories with types: each event.type must be one that an event.category of the line expects.</summary>
    private void CheckCategorization(JsonElement root, string line)
    {
        if (!root.TryGetProperty("event", out JsonElement e) || !e.TryGetProperty("category", out JsonElement categories) || !e.TryGetProperty("type", out JsonElement types)
            || categories.ValueKind != JsonValueKind.Array || types.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        string[] named = categories.EnumerateArray().Where(static c => c.ValueKind == JsonValueKind.String).Select(static c => c.GetString()!).ToArray();
        foreach (JsonElement type in types.EnumerateArray().Where(static t => t.ValueKind == JsonValueKind.String))
        {
            if (!named.Any(c => ecs.EventTypesByCategory.TryGetValue(c, out IReadOnlySet<string>? expected) && expected.Contains(type.GetString()!)))
            {
                Errors.Add("event.type", $"'{type.GetString()}' is not an expected event type of event.category [{string.Join(", ", named)}]",
                    $"category {categories.GetRawText()} type {types.GetRawText()}", line);
            }
        }
    }

    private void Walk(JsonElement value, string path, bool inArray, string line)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    Walk(property.Value, path + "." + property.Name, inArray, line);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Array)
                    {
                        Errors.Add(path, "array of arrays (Elasticsearch flattens them)", item.GetRawText(), line);
                    }
                    Walk(item, path, inArray: true, line);
                }
                break;
            default:
                CheckLeaf(path, value, inArray, line);
                break;
        }
    }

    private void CheckLeaf(string path, JsonElement value, bool inArray, string line)
    {
        Leaves++;
        string raw = value.GetRawText();
        if (value.ValueKind == JsonValueKind.Null)
        {
            Errors.Add(path, "null (absent fields are left out)", raw, line);
            return;
        }
        if (IsInteger(value) && !long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            Errors.Add(path, "integer outside the signed 64-bit range", raw, line);
        }

        string? mapped = template.TypeOf(path, value);
        if (mapped is null)
        {
            Errors.Add(path, "not mapped by the index template (nor typed by a dynamic template)", raw, line);
        }
        else if (Misfit(mapped, value) is { } misfit)
        {
            Errors.Add(path, $"does not fit the template's type {mapped}: {misfit}", raw, line);
        }

        string top = path.Split('.')[0];
        if (ecs.Fields.TryGetValue(path, out EcsField? field))
        {
            if (Misfit(field.Type, value) is { } misfit)
            {
                Errors.Add(path, $"does not fit ECS type {field.Type}: {misfit}", raw, line);
            }
            if (mapped is not null && mapped != field.Type)
            {
                Errors.Add(path, $"the template maps it as {mapped}, ECS as {field.Type}", raw, line);
            }
            if (field.AllowedValues is { } allowed && value.ValueKind == JsonValueKind.String && !allowed.Contains(value.GetString()!))
            {
                Errors.Add(path, $"not an ECS allowed value (ECS allows: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})", raw, line);
            }
            if (field.ExpectedValues is { } expected && value.ValueKind == JsonValueKind.String && !expected.Contains(value.GetString()!))
            {
                Errors.Add(path, $"not an ECS expected value (ECS expects: {string.Join(", ", expected.Order(StringComparer.Ordinal))})", raw, line);
            }
            if (inArray && !field.Array)
            {
                Warnings.Add(path, "an array, but ECS does not normalize this field to an array", raw, line);
            }
        }
        else if (ecs.OpenObjectAbove(path) is { } open)
        {
            // labels.*, a flattened field: ECS takes any key there.
            if (open.Type == "object" && Misfit("keyword", value) is { } misfit)
            {
                Errors.Add(path, $"under ECS object {open.Name} (keyword values): {misfit}", raw, line);
            }
        }
        else if (ecs.FieldSets.Contains(top))
        {
            Errors.Add(path, $"not an ECS field, but under the ECS field set '{top}' (custom fields belong in the agent's own namespaces)", raw, line);
        }
        else if (path.Contains('.', StringComparison.Ordinal) && template.DynamicOf(top) != "strict")
        {
            Errors.Add(top, "the agent's own namespace (ECS does not define it) is not dynamic: strict in the index template", raw, line);
        }
        else if (!path.Contains('.', StringComparison.Ordinal))
        {
            Errors.Add(path, "a top-level field ECS does not define", raw, line);
        }
    }

    private static bool IsInteger(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.GetRawText().AsSpan().IndexOfAny(".eE") < 0;

    /// <summary>Why <paramref name="value"/> does not fit an Elasticsearch/ECS field type, or null when it does.</summary>
    internal static string? Misfit(string type, JsonElement value)
    {
        switch (type)
        {
            case "keyword" or "wildcard" or "constant_keyword" or "match_only_text" or "text":
                return value.ValueKind == JsonValueKind.String ? null : $"a JSON {Kind(value)}, not a string";
            case "long" or "integer" or "short" or "byte" or "unsigned_long":
                if (!IsInteger(value))
                {
                    return $"a JSON {Kind(value)}, not an integer";
                }
                BigInteger number = BigInteger.Parse(value.GetRawText(), CultureInfo.InvariantCulture);
                (BigInteger min, BigInteger max) = type switch
                {
                    "long" => ((BigInteger)long.MinValue, (BigInteger)long.MaxValue),
                    "integer" => (int.MinValue, int.MaxValue),
                    "short" => (short.MinValue, short.MaxValue),
                    "byte" => (sbyte.MinValue, sbyte.MaxValue),
                    _ => (BigInteger.Zero, (BigInteger)ulong.MaxValue),
                };
                return number >= min && number <= max ? null : $"outside {type}'s range {min}..{max}";
            case "double" or "float" or "half_float" or "scaled_float":
                return value.ValueKind == JsonValueKind.Number ? null : $"a JSON {Kind(value)}, not a number";
            case "boolean":
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"a JSON {Kind(value)}, not a boolean";
            case "ip":
                return value.ValueKind == JsonValueKind.String && value.GetString()!.AsSpan().IndexOfAny(".:") >= 0 && IPAddress.TryParse(value.GetString(), out _)
                    ? null : "not an IP address";
            case "date" or "date_nanos":
                return value.ValueKind == JsonValueKind.String && IsoTimestamp().IsMatch(value.GetString()!)
                    && DateTime.TryParseExact(value.GetString()![..19], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    ? null : "not an ISO-8601 timestamp";
            default:
                return $"a value of JSON kind {Kind(value)} for the unsupported type {type}";
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestamp();
}
