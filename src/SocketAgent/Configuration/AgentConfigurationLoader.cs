using System.Collections;
using Microsoft.Extensions.Configuration;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// Reads <see cref="AgentOptions"/>: the config file (<c>--config PATH</c>, .yaml/.yml/.json), then
/// <c>SOCKETAGENT_*</c> environment variables (levels joined by <c>__</c>), then the command line — each overriding
/// the one before, setting by setting (a list is taken whole from the last source that sets it; an empty list —
/// <c>[]</c> in the file, an empty variable or value — sets it too, to empty). Every unknown key
/// and every bad value is refused with an <see cref="AgentConfigurationException"/> naming it.
/// </summary>
internal static class AgentConfigurationLoader
{
    public const string EnvironmentPrefix = "SOCKETAGENT_";

    /// <param name="configPath">The config file, or null for none.</param>
    /// <param name="environment">The environment (<see cref="Environment.GetEnvironmentVariables()"/>).</param>
    /// <param name="commandLine">Settings given on the command line, by key (<c>interval</c>, <c>collect:transports</c>).</param>
    public static AgentOptions Load(string? configPath, IDictionary environment, IReadOnlyDictionary<string, string?> commandLine)
    {
        var layers = new List<SettingsLayer>(3);
        if (configPath is not null)
        {
            layers.Add(ReadFile(configPath));
        }
        layers.Add(ReadEnvironment(environment));
        layers.Add(new SettingsLayer(
            commandLine.ToDictionary(static p => p.Key.ToLowerInvariant(), static p => p.Value, StringComparer.Ordinal),
            static key => "on the command line"));

        foreach (SettingsLayer layer in layers)
        {
            RefuseUnknownKeys(layer);
        }
        return Bind(layers);
    }

    /// <summary>The file alone (no environment, no command line): what the example-file test compares with the defaults.</summary>
    public static AgentOptions LoadFile(string configPath) =>
        Load(configPath, new Hashtable(), new Dictionary<string, string?>());

    private static SettingsLayer ReadFile(string path)
    {
        string fullPath = Path.GetFullPath(path);
        string extension = Path.GetExtension(fullPath).ToLowerInvariant();
        var builder = new ConfigurationBuilder();
        switch (extension)
        {
            case ".yaml" or ".yml":
                builder.AddYamlFile(fullPath, optional: false, reloadOnChange: false);
                break;
            case ".json":
                builder.AddJsonFile(fullPath, optional: false, reloadOnChange: false);
                break;
            default:
                throw new AgentConfigurationException($"invalid setting 'config' = '{path}': expected a .yaml, .yml or .json file");
        }

        IConfigurationRoot root;
        HashSet<string> emptyLists;
        try
        {
            root = builder.Build();
            emptyLists = extension == ".json" ? EmptyListFinder.InJson(fullPath) : EmptyListFinder.InYaml(fullPath);
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException
            || ex.GetType().FullName?.StartsWith("YamlDotNet.", StringComparison.Ordinal) == true)
        {
            // One line: the parsers' messages can span several (and name an inner exception).
            string reason = (ex.InnerException?.Message ?? ex.Message).ReplaceLineEndings(" ");
            throw new AgentConfigurationException($"cannot read the configuration file '{path}': {reason}", ex);
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach ((string key, string? value) in root.AsEnumerable())
        {
            values[key.ToLowerInvariant()] = value;
        }
        foreach (string key in emptyLists)
        {
            // Present without items: the layer reads it as an explicit empty list (and an unknown key is still refused).
            values.TryAdd(key, null);
        }
        return new SettingsLayer(values, key => $"in {path}", emptyLists);
    }

    private static SettingsLayer ReadEnvironment(IDictionary environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            {
                // The same mapping as Microsoft.Extensions.Configuration's environment provider: __ between levels.
                string key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal).ToLowerInvariant();
                values[key] = entry.Value as string;
                names[key] = name;
            }
        }
        return new SettingsLayer(values, key => $"from the environment variable {names.GetValueOrDefault(key, key)}");
    }

    private static void RefuseUnknownKeys(SettingsLayer layer)
    {
        foreach (string key in layer.Values.Keys.Order(StringComparer.Ordinal))
        {
            if (AgentSettings.Sections.Contains(key) || AgentSettings.Find(key) is not null || IsListItem(key))
            {
                continue;
            }
            throw new AgentConfigurationException(
                $"unknown setting '{key.Replace(':', '.')}' {layer.Describe(key)} (socket-agent --print-config lists every setting)");
        }
    }

    private static bool IsListItem(string key)
    {
        int colon = key.LastIndexOf(':');
        return colon > 0
            && int.TryParse(key.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            && AgentSettings.Find(key[..colon]) is { IsList: true };
    }

    private static AgentOptions Bind(List<SettingsLayer> layers)
    {
        var options = new AgentOptions();
        foreach (AgentSetting setting in AgentSettings.All)
        {
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                SettingsLayer layer = layers[i];
                if (setting.IsList)
                {
                    if (layer.TryGetList(setting.Key, out List<string> items))
                    {
                        if (setting.TryApply(options, items) is string refused)
                        {
                            // A setting that needs items (outputs) refuses the empty list as a whole.
                            throw Invalid(setting, items.Count == 0 ? "[]" : refused, layer);
                        }
                        break;
                    }
                }
                else if (layer.TryGetScalar(setting.Key, out string value))
                {
                    if (!setting.TryApply(options, value.Trim()))
                    {
                        throw Invalid(setting, value, layer);
                    }
                    break;
                }
                else if (layer.IsEmptyList(setting.Key))
                {
                    // `interval: []` is a mistake, not "not set".
                    throw Invalid(setting, "[]", layer);
                }
            }
        }
        return options;
    }

    private static AgentConfigurationException Invalid(AgentSetting setting, string value, SettingsLayer layer) =>
        new($"invalid setting '{setting.Name}' = '{value}' {layer.Describe(setting.Key)}: expected {setting.Expected}");
}
