using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The Elasticsearch/OpenSearch ingest artifacts, derived from the published JSON Schema
/// (<see cref="SocketJsonSchema"/>) so that the schema stays the one description of the output: a component template
/// with the mapping of every field the schema allows, and one composable index template per <c>event.dataset</c>
/// for the data streams <c>logs-socket_agent.DATASET-*</c>.
/// </summary>
/// <remarks>
/// Field types are inferred from the schema: a <c>date-time</c> string (the <c>timestamp</c> definition) is
/// <c>date</c>; an IP address (the <c>ip</c> definition, or <c>anyOf</c> formats <c>ipv4</c>/<c>ipv6</c>) is
/// <c>ip</c>; integer <c>long</c>; number <c>double</c>; boolean <c>boolean</c>; other strings <c>keyword</c>; an array
/// is mapped as its items. <c>"x-elasticsearch-type"</c> overrides the inference where ECS types a field otherwise
/// (<c>wildcard</c>, <c>match_only_text</c>; <c>scaled_float</c> with <c>"x-elasticsearch-scaling-factor"</c>), at the
/// property or on the definition it refers to. An object with <c>"x-elasticsearch-dynamic"</c> gets that
/// <c>dynamic</c> setting (<c>strict</c> on the agent's own top-level namespaces, which ECS does not define). An object
/// whose keys are open-ended (<c>additionalProperties</c> with a schema, e.g. <c>netstat.counters</c>) is mapped
/// <c>dynamic: true</c> with a dynamic template typing its values. A property the generator cannot type fails
/// generation, naming it: nothing is left to Elasticsearch's dynamic guesses.
/// </remarks>
public static class IndexTemplateGenerator
{
    /// <summary>The component template every index template is composed of.</summary>
    public const string ComponentTemplateName = "socket_agent@mappings";

    /// <summary>The schema keyword that sets a field's Elasticsearch type.</summary>
    public const string TypeKeyword = "x-elasticsearch-type";

    /// <summary>The schema keyword that sets an object's <c>dynamic</c> mapping parameter.</summary>
    public const string DynamicKeyword = "x-elasticsearch-dynamic";

    /// <summary>The schema keyword that gives a <c>scaled_float</c> its scaling factor.</summary>
    public const string ScalingFactorKeyword = "x-elasticsearch-scaling-factor";

    /// <summary>Above the built-in <c>logs</c> template (priority 100), which also matches <c>logs-*-*</c>.</summary>
    public const int Priority = 200;

    private const string DefsPrefix = "#/$defs/";

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The data stream (and index template) name of <paramref name="dataset"/>: <c>logs-socket_agent.socket</c>.</summary>
    public static string DataStreamName(string dataset) => $"logs-socket_agent.{dataset}";

    /// <summary>The artifacts for the embedded schema: the component template first, then one index template per dataset.</summary>
    public static IReadOnlyList<ElasticsearchArtifact> Generate()
    {
        using JsonDocument schema = JsonDocument.Parse(SocketJsonSchema.ReadText());
        return Generate(schema.RootElement);
    }

    /// <summary>The artifacts for <paramref name="schema"/> (a schema shaped like the embedded one).</summary>
    public static IReadOnlyList<ElasticsearchArtifact> Generate(JsonElement schema)
    {
        var generator = new Walker(schema);
        string schemaId = schema.TryGetProperty("$id", out JsonElement id) ? id.GetString() ?? "" : "";
        var artifacts = new List<ElasticsearchArtifact>
        {
            new($"component_template/{ComponentTemplateName}.json", $"_component_template/{ComponentTemplateName}",
                Write(writer => generator.WriteComponentTemplate(writer, schemaId))),
        };
        foreach (string dataset in Datasets(schema))
        {
            string name = DataStreamName(dataset);
            artifacts.Add(new ElasticsearchArtifact($"index_template/{name}.json", $"_index_template/{name}",
                Write(writer => WriteIndexTemplate(writer, dataset, schemaId))));
        }
        return artifacts;
    }

    /// <summary>The values the schema allows for <c>event.dataset</c>, in its order.</summary>
    public static IReadOnlyList<string> Datasets(JsonElement schema)
    {
        JsonElement values = schema.GetProperty("$defs").GetProperty("event").GetProperty("properties").GetProperty("dataset").GetProperty("enum");
        return values.EnumerateArray().Select(static v => v.GetString() ?? throw new InvalidOperationException("event.dataset enum holds a non-string")).ToList();
    }

    private static void WriteIndexTemplate(Utf8JsonWriter writer, string dataset, string schemaId)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("index_patterns");
        writer.WriteStringValue(DataStreamName(dataset) + "-*");
        writer.WriteEndArray();
        writer.WriteStartObject("data_stream");
        writer.WriteEndObject();
        writer.WriteStartArray("composed_of");
        writer.WriteStringValue(ComponentTemplateName);
        writer.WriteEndArray();
        writer.WriteNumber("priority", Priority);
        writer.WriteStartObject("_meta");
        writer.WriteString("description", $"socket-agent lines with event.dataset '{dataset}' (data stream {DataStreamName(dataset)}-NAMESPACE)");
        writer.WriteString("schema", schemaId);
        writer.WriteString("generated_by", "socket-agent schema --elasticsearch");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            body(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Walks the schema's properties, resolving <c>$ref</c>s into <c>$defs</c>, and writes their mappings.</summary>
    private sealed class Walker(JsonElement schema)
    {
        private readonly JsonElement _defs = schema.GetProperty("$defs");
        private readonly List<(string Name, string PathMatch, string MatchMappingType, string Type)> _dynamicTemplates = [];

        public void WriteComponentTemplate(Utf8JsonWriter writer, string schemaId)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("template");
            writer.WriteStartObject("mappings");
            writer.WritePropertyName("properties");
            WriteProperties(writer, schema, "");
            // After the properties: walking them found the open-ended objects whose values these type.
            writer.WriteStartArray("dynamic_templates");
            foreach ((string name, string pathMatch, string matchType, string type) in _dynamicTemplates)
            {
                writer.WriteStartObject();
                writer.WriteStartObject(name);
                writer.WriteString("path_match", pathMatch);
                writer.WriteString("match_mapping_type", matchType);
                writer.WriteStartObject("mapping");
                writer.WriteString("type", type);
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("_meta");
            writer.WriteString("description", "Mappings of every field socket-agent writes, generated from its JSON Schema");
            writer.WriteString("schema", schemaId);
            writer.WriteString("generated_by", "socket-agent schema --elasticsearch");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        /// <summary>The <c>properties</c> object of <paramref name="objectSchema"/> (already resolved).</summary>
        private void WriteProperties(Utf8JsonWriter writer, JsonElement objectSchema, string prefix)
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in objectSchema.GetProperty("properties").EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                WriteField(writer, property.Value, prefix + property.Name);
            }
            writer.WriteEndObject();
        }

        private void WriteField(Utf8JsonWriter writer, JsonElement use, string path)
        {
            (JsonElement target, string? defName) = Resolve(use, path);
            string? explicitType = Annotation(use, target, TypeKeyword);
            string type = explicitType ?? Infer(target, defName, path);
            if (type == "array")
            {
                if (!target.TryGetProperty("items", out JsonElement items))
                {
                    throw new InvalidOperationException($"{path}: an array without items cannot be mapped");
                }
                WriteField(writer, items, path);
                return;
            }

            writer.WriteStartObject();
            if (type == "object")
            {
                if (Annotation(use, target, DynamicKeyword) is { } dynamic)
                {
                    writer.WriteString("dynamic", dynamic);
                }
                if (target.TryGetProperty("properties", out _))
                {
                    writer.WritePropertyName("properties");
                    WriteProperties(writer, target, path + ".");
                }
                else if (target.TryGetProperty("additionalProperties", out JsonElement values) && values.ValueKind == JsonValueKind.Object)
                {
                    // Open-ended keys (counter names): the object takes new keys, each typed by a dynamic template.
                    writer.WriteString("type", "object");
                    writer.WriteBoolean("dynamic", true);
                    (JsonElement valueSchema, string? valueDef) = Resolve(values, path + ".*");
                    string valueType = Annotation(values, valueSchema, TypeKeyword) ?? Infer(valueSchema, valueDef, path + ".*");
                    _dynamicTemplates.Add((path.Replace('.', '_'), path + ".*", MatchMappingType(valueType, path), valueType));
                }
                else
                {
                    throw new InvalidOperationException($"{path}: an object with neither properties nor typed additionalProperties cannot be mapped");
                }
            }
            else
            {
                writer.WriteString("type", type);
                if (type == "scaled_float")
                {
                    string factor = Annotation(use, target, ScalingFactorKeyword)
                        ?? throw new InvalidOperationException($"{path}: scaled_float needs {ScalingFactorKeyword}");
                    writer.WriteNumber("scaling_factor", double.Parse(factor, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            writer.WriteEndObject();
        }

        /// <summary>The definition a <c>$ref</c> names (and its name), or the node itself.</summary>
        private (JsonElement Target, string? DefName) Resolve(JsonElement use, string path)
        {
            if (!use.TryGetProperty("$ref", out JsonElement reference))
            {
                return (use, null);
            }
            string text = reference.GetString() ?? "";
            if (!text.StartsWith(DefsPrefix, StringComparison.Ordinal) || !_defs.TryGetProperty(text[DefsPrefix.Length..], out JsonElement target))
            {
                throw new InvalidOperationException($"{path}: $ref '{text}' does not name a $defs entry");
            }
            return (target, text[DefsPrefix.Length..]);
        }

        /// <summary>An annotation at the use site, else on the definition (as text), else null.</summary>
        private static string? Annotation(JsonElement use, JsonElement target, string keyword)
        {
            foreach (JsonElement node in (ReadOnlySpan<JsonElement>)[use, target])
            {
                if (node.TryGetProperty(keyword, out JsonElement value))
                {
                    return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
                }
            }
            return null;
        }

        private static string Infer(JsonElement target, string? defName, string path)
        {
            if (!target.TryGetProperty("type", out JsonElement typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                throw new InvalidOperationException($"{path}: no single JSON type to map (add \"type\" or \"{TypeKeyword}\" to the schema)");
            }
            string jsonType = typeElement.GetString()!;
            return jsonType switch
            {
                "string" when defName == "timestamp" || Format(target) == "date-time" => "date",
                "string" when defName == "ip" || IsIpAddress(target) => "ip",
                "string" => "keyword",
                "integer" => "long",
                "number" => "double",
                "boolean" => "boolean",
                "object" or "array" => jsonType,
                _ => throw new InvalidOperationException($"{path}: JSON type '{jsonType}' has no mapping"),
            };
        }

        private static string? Format(JsonElement node) =>
            node.TryGetProperty("format", out JsonElement format) ? format.GetString() : null;

        /// <summary>A string that is an IPv4 or IPv6 address: <c>anyOf</c> of formats <c>ipv4</c> and <c>ipv6</c> (or one of them).</summary>
        private static bool IsIpAddress(JsonElement node)
        {
            if (Format(node) is "ipv4" or "ipv6")
            {
                return true;
            }
            return node.TryGetProperty("anyOf", out JsonElement anyOf)
                && anyOf.GetArrayLength() > 0
                && anyOf.EnumerateArray().All(static branch => Format(branch) is "ipv4" or "ipv6");
        }

        /// <summary>The <c>match_mapping_type</c> (the JSON kind Elasticsearch detects) a value of <paramref name="type"/> arrives as.</summary>
        private static string MatchMappingType(string type, string path) => type switch
        {
            "long" or "integer" or "short" or "byte" or "unsigned_long" => "long",
            "double" or "float" or "half_float" or "scaled_float" => "double",
            "boolean" => "boolean",
            "keyword" or "wildcard" or "match_only_text" or "text" or "ip" or "date" => "string",
            _ => throw new InvalidOperationException($"{path}.*: no dynamic template for values of type {type}"),
        };
    }
}
