using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace SocketAgent.Cli.Configuration;

/// <summary>A YAML config file as a Microsoft.Extensions.Configuration file source (<see cref="YamlConfigurationProvider"/>).</summary>
internal sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}

/// <summary>
/// Flattens the first YAML document to configuration keys as the JSON provider does for JSON: a mapping's keys
/// joined with <c>:</c>, a sequence's items as <c>key:0</c>, <c>key:1</c>…, an empty sequence (<c>[]</c>) as the key
/// with an empty value, an empty mapping and a null (<c>key:</c>, <c>~</c>, <c>null</c>) as the key with a null value.
/// The file is bounded and checked first (<see cref="ConfigurationFileText"/>; no aliases, bounded nesting).
/// Ours rather than NetEscapades.Configuration.Yaml's: that one leaves no key at all for <c>[]</c>, so an explicitly
/// emptied list read as "not set" (and kept its default) unless the file was parsed a second time to find it.
/// </summary>
internal sealed class YamlConfigurationProvider(YamlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream)
    {
        string text = ConfigurationFileText.ReadText(stream);
        var yaml = new YamlStream();
        try
        {
            RefuseAliasesAndDepth(text);
            yaml.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            // Its message alone does not say where.
            throw new FormatException($"{ex.Message.TrimEnd('.')} ({Where(ex.Start)})", ex);
        }
        catch (Exception ex) when (ex is InvalidCastException or InvalidOperationException or ArgumentException)
        {
            // What YamlDotNet throws for input its checks did not foresee ("Specified cast is not valid."): still one
            // line that says which file part could not be read.
            throw new FormatException($"not a valid YAML configuration file ({ex.Message.TrimEnd('.')})", ex);
        }
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        // Only the first document, as NetEscapades' provider did: a config file is one mapping.
        if (yaml.Documents.Count > 0)
        {
            if (yaml.Documents[0].RootNode is not YamlMappingNode root)
            {
                throw new FormatException($"expected a mapping of settings ({Where(yaml.Documents[0].RootNode.Start)})");
            }
            Visit(root, path: null, data);
        }
        Data = data;
    }

    /// <summary>
    /// One pass over the parser's events before the document model is built. An alias is refused: the model follows
    /// one that contains itself (<c>a: &amp;a [*a]</c>) for ever, and nested ones ("billion laughs") grow without
    /// bound — and a settings file has no use for them. Nesting deeper than <see cref="ConfigurationFileText.MaxDepth"/>
    /// is refused before the model's recursion meets it.
    /// </summary>
    private static void RefuseAliasesAndDepth(string text)
    {
        var parser = new Parser(new StringReader(text));
        int depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    throw new FormatException($"YAML aliases (*{alias.Value}) are not accepted in a configuration file: write the value out ({Where(alias.Start)})");
                case MappingStart or SequenceStart:
                    if (++depth > ConfigurationFileText.MaxDepth)
                    {
                        throw new FormatException($"nested more than {ConfigurationFileText.MaxDepth} levels deep ({Where(parser.Current.Start)})");
                    }
                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    private static void Visit(YamlNode node, string? path, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                if (mapping.Children.Count == 0 && path is not null)
                {
                    Set(data, path, null, node);
                }
                foreach ((YamlNode key, YamlNode value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { Length: > 0 } name })
                    {
                        throw new FormatException($"expected a setting name ({Where(key.Start)})");
                    }
                    Visit(value, path is null ? name : ConfigurationPath.Combine(path, name), data);
                }
                break;
            case YamlSequenceNode sequence:
                if (sequence.Children.Count == 0)
                {
                    Set(data, path!, string.Empty, node);
                }
                for (int i = 0; i < sequence.Children.Count; i++)
                {
                    Visit(sequence.Children[i], ConfigurationPath.Combine(path!, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), data);
                }
                break;
            case YamlScalarNode scalar:
                Set(data, path!, IsNull(scalar) ? null : scalar.Value ?? string.Empty, node);
                break;
            default:
                throw new FormatException($"unsupported YAML node ({Where(node.Start)})");
        }
    }

    private static void Set(Dictionary<string, string?> data, string path, string? value, YamlNode node)
    {
        if (!data.TryAdd(path, value))
        {
            throw new FormatException($"the key '{path.Replace(':', '.')}' is given twice ({Where(node.Start)})");
        }
    }

    private static string Where(Mark mark) => $"line {mark.Line}, column {mark.Column}";

    /// <summary>YAML's plain null: nothing, <c>~</c> or <c>null</c> (a quoted <c>""</c> is an empty string).</summary>
    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
}
