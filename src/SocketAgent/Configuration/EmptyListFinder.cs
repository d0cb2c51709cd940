using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// Finds the keys of a config file whose value is an empty sequence (<c>flags: []</c>, <c>"flags": []</c>).
/// Microsoft.Extensions.Configuration flattens a file to key/value pairs, a list to <c>key:0</c>, <c>key:1</c>…, so
/// an empty list leaves no pair at all for the YAML provider (the JSON one keeps the key with a null value, which a
/// YAML <c>key:</c> gives too) — and "no pair" reads as "not set", which would keep a non-empty default the user
/// meant to clear. Parsing the file once more, already known to be valid, tells the two apart.
/// </summary>
internal static class EmptyListFinder
{
    /// <summary>The same leniency as the JSON configuration provider, so both read the same files.</summary>
    private static readonly JsonDocumentOptions s_jsonOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The keys (lower case, <c>:</c> between levels, as the layers spell them) holding an empty list.</summary>
    public static HashSet<string> InYaml(string path)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var stream = new YamlStream();
        using (StreamReader reader = File.OpenText(path))
        {
            stream.Load(reader);
        }
        // The YAML provider reads the first document only.
        if (stream.Documents.Count > 0)
        {
            Visit(stream.Documents[0].RootNode, prefix: null, keys);
        }
        return keys;
    }

    /// <inheritdoc cref="InYaml"/>
    public static HashSet<string> InJson(string path)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        using FileStream file = File.OpenRead(path);
        using JsonDocument document = JsonDocument.Parse(file, s_jsonOptions);
        Visit(document.RootElement, prefix: null, keys);
        return keys;
    }

    private static void Visit(YamlNode node, string? prefix, HashSet<string> keys)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach ((YamlNode key, YamlNode value) in mapping.Children)
                {
                    if (key is YamlScalarNode { Value: string name })
                    {
                        Visit(value, Join(prefix, name), keys);
                    }
                }
                break;
            case YamlSequenceNode sequence when prefix is not null:
                if (sequence.Children.Count == 0)
                {
                    keys.Add(prefix);
                }
                for (int i = 0; i < sequence.Children.Count; i++)
                {
                    Visit(sequence.Children[i], Join(prefix, Index(i)), keys);
                }
                break;
        }
    }

    private static void Visit(JsonElement element, string? prefix, HashSet<string> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    Visit(property.Value, Join(prefix, property.Name), keys);
                }
                break;
            case JsonValueKind.Array when prefix is not null:
                if (element.GetArrayLength() == 0)
                {
                    keys.Add(prefix);
                }
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Visit(item, Join(prefix, Index(i++)), keys);
                }
                break;
        }
    }

    private static string Join(string? prefix, string name) =>
        prefix is null ? name.ToLowerInvariant() : string.Concat(prefix, ":", name.ToLowerInvariant());

    private static string Index(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
