using System.Text.Json;
using System.Text.RegularExpressions;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// The mappings of a component template, looked up by flat field name as Elasticsearch would resolve a document's
/// field: an explicit mapping (<c>properties</c>), else a dynamic template whose <c>path_match</c> matches under an
/// object that is <c>dynamic: true</c>.
/// </summary>
internal sealed class TemplateMappings
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _dynamic = new(StringComparer.Ordinal);
    private readonly List<(string Name, Regex Path, string MatchMappingType, string Type)> _templates = [];

    public TemplateMappings(string componentTemplateJson)
    {
        using JsonDocument document = JsonDocument.Parse(componentTemplateJson);
        JsonElement mappings = document.RootElement.GetProperty("template").GetProperty("mappings");
        Walk(mappings.GetProperty("properties"), "");
        if (mappings.TryGetProperty("dynamic_templates", out JsonElement templates))
        {
            foreach (JsonProperty template in templates.EnumerateArray().SelectMany(static t => t.EnumerateObject()))
            {
                string pattern = "^" + Regex.Escape(template.Value.GetProperty("path_match").GetString()!).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
                _templates.Add((template.Name, new Regex(pattern, RegexOptions.CultureInvariant),
                    template.Value.GetProperty("match_mapping_type").GetString()!,
                    template.Value.GetProperty("mapping").GetProperty("type").GetString()!));
            }
        }
    }

    /// <summary>Every explicitly mapped leaf field and its type.</summary>
    public IReadOnlyDictionary<string, string> Types => _types;

    /// <summary>The <c>dynamic</c> setting of the object at <paramref name="path"/> (<c>socket</c>), or null when unset.</summary>
    public string? DynamicOf(string path) => _dynamic.GetValueOrDefault(path);

    /// <summary>
    /// The type <paramref name="path"/> gets for a value of JSON kind <paramref name="value"/>, or null when the template
    /// neither maps it nor lets a dynamic template type it.
    /// </summary>
    public string? TypeOf(string path, JsonElement value)
    {
        if (_types.TryGetValue(path, out string? type))
        {
            return type;
        }
        string kind = value.ValueKind switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => value.GetRawText().AsSpan().IndexOfAny(".eE") >= 0 ? "double" : "long",
            _ => "object",
        };
        foreach ((_, Regex pattern, string match, string mapped) in _templates)
        {
            if (pattern.IsMatch(path) && match == kind && UnderDynamicObject(path))
            {
                return mapped;
            }
        }
        return null;
    }

    /// <summary>Whether the nearest explicitly mapped object above <paramref name="path"/> takes new fields (dynamic: true).</summary>
    private bool UnderDynamicObject(string path)
    {
        for (int dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
        {
            if (_dynamic.TryGetValue(path[..dot], out string? dynamic))
            {
                return dynamic == "true";
            }
        }
        return false;
    }

    private void Walk(JsonElement properties, string prefix)
    {
        foreach (JsonProperty property in properties.EnumerateObject())
        {
            string path = prefix + property.Name;
            if (property.Value.TryGetProperty("dynamic", out JsonElement dynamic))
            {
                _dynamic[path] = dynamic.ValueKind == JsonValueKind.String ? dynamic.GetString()! : dynamic.GetRawText();
            }
            if (property.Value.TryGetProperty("properties", out JsonElement children))
            {
                Walk(children, path + ".");
            }
            else if (property.Value.TryGetProperty("type", out JsonElement type) && type.GetString() != "object")
            {
                _types[path] = type.GetString()!;
            }
        }
    }
}
