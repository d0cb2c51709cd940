using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// Reads <see cref="AgentOptions"/>: the config file (<c>--config PATH</c>, .yaml/.yml/.json), then
/// <c>SOCKETAGENT_*</c> environment variables (levels joined by <c>__</c>), then the command line — each overriding
/// the one before, setting by setting (a list is taken whole from the last source that sets it; an empty list —
/// <c>[]</c> in the file, an empty variable or value — sets it too, to empty). Every unknown key
/// and every bad value is refused with an <see cref="AgentConfigurationException"/> naming it.
/// </summary>
/// <remarks>
/// The sources are Microsoft.Extensions.Configuration providers and <see cref="ConfigurationBinder"/> fills
/// <see cref="AgentSettingsText"/>; what stays here is what the merged view cannot give: which source set a key
/// (for the messages and for taking a list whole, not item by item across sources) and which keys are unknown.
/// </remarks>
internal static class AgentConfigurationLoader
{
    public const string EnvironmentPrefix = "SOCKETAGENT_";

    /// <summary>The config file, the process's <c>SOCKETAGENT_*</c> variables, then the command line.</summary>
    /// <param name="configPath">The config file, or null for none.</param>
    /// <param name="commandLine">Settings given on the command line, by key (<c>interval</c>, <c>collect:transports</c>).</param>
    public static AgentOptions Load(string? configPath, IReadOnlyDictionary<string, string?> commandLine) =>
        Load(configPath, static builder => builder.AddEnvironmentVariables(prefix: EnvironmentPrefix), commandLine);

    /// <summary>
    /// The same with an environment other than the process's (tests): the environment-variable provider reads only the
    /// process's (no public way to hand it a dictionary), and tests running in parallel cannot each set their own.
    /// </summary>
    /// <param name="environment">Variables by name, as <see cref="Environment.GetEnvironmentVariables()"/> gives them.</param>
    public static AgentOptions Load(string? configPath, IDictionary environment, IReadOnlyDictionary<string, string?> commandLine) =>
        Load(configPath, builder => builder.AddInMemoryCollection(EnvironmentKeys(environment)), commandLine);

    /// <summary>The file alone (no environment, no command line): what the example-file test compares with the defaults.</summary>
    public static AgentOptions LoadFile(string configPath) =>
        Load(configPath, new Hashtable(), new Dictionary<string, string?>());

    private static AgentOptions Load(string? configPath, Action<IConfigurationBuilder> addEnvironment, IReadOnlyDictionary<string, string?> commandLine)
    {
        var builder = new ConfigurationBuilder();
        // One entry per provider, in the builder's order: how a message names that source, and whether it is the file.
        var sources = new List<(Func<string, string> Describe, bool IsFile)>(3);
        if (configPath is not null)
        {
            AddFile(builder, configPath);
            sources.Add((key => $"in {configPath}", true));
        }
        addEnvironment(builder);
        sources.Add((static key => $"from the environment variable {EnvironmentPrefix}{key.Replace(":", "__", StringComparison.Ordinal)}", false));
        builder.AddInMemoryCollection(commandLine);
        sources.Add((static key => "on the command line", false));

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // A file provider wraps what its parser threw in an InvalidDataException naming the file: the parser's
            // own message is the reason. One line: the parsers' messages can span several.
            string reason = (ex.InnerException?.Message ?? ex.Message).ReplaceLineEndings(" ");
            throw new AgentConfigurationException($"cannot read the configuration file '{configPath}': {reason}", ex);
        }

        var layers = new List<Layer>(3);
        foreach ((IConfigurationProvider provider, (Func<string, string> describe, bool isFile)) in root.Providers.Zip(sources))
        {
            var layer = new Layer(provider, isFile, describe);
            layer.RefuseUnknownKeys();
            layers.Add(layer);
        }
        return Bind(layers);
    }

    private static void AddFile(ConfigurationBuilder builder, string path)
    {
        string fullPath = Path.GetFullPath(path);
        string extension = Path.GetExtension(fullPath).ToLowerInvariant();
        if (extension is ".yaml" or ".yml" or ".json" && ConfigurationFileText.NotARegularFile(fullPath) is { } why)
        {
            throw new AgentConfigurationException($"cannot read the configuration file '{path}': {why}, not a regular file");
        }
        switch (extension)
        {
            case ".yaml" or ".yml":
                builder.Add<YamlConfigurationSource>(source =>
                {
                    source.Path = fullPath;
                    source.Optional = false;
                    source.ReloadOnChange = false;
                    source.ResolveFileProvider();
                });
                break;
            case ".json":
                builder.Add<StrictJsonConfigurationSource>(source =>
                {
                    source.Path = fullPath;
                    source.Optional = false;
                    source.ReloadOnChange = false;
                    source.ResolveFileProvider();
                });
                break;
            default:
                throw new AgentConfigurationException($"invalid setting 'config' = '{path}': expected a .yaml, .yml or .json file");
        }
    }

    /// <summary>
    /// The keys <c>AddEnvironmentVariables(prefix)</c> would make of these variables: the prefix (any case) removed,
    /// <c>__</c> read as a level.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentKeys(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            {
                yield return new(name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), entry.Value as string);
            }
        }
    }

    /// <summary>
    /// Each setting's value from the last source that gives it, bound into <see cref="AgentSettingsText"/>, then
    /// validated into <see cref="AgentOptions"/> in the table's order (so the first refusal is always the same one).
    /// </summary>
    private static AgentOptions Bind(List<Layer> layers)
    {
        var effective = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var origins = new Dictionary<string, Layer>(StringComparer.Ordinal);
        foreach (AgentSetting setting in AgentSettings.All)
        {
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                if (setting.IsList ? layers[i].TryGetList(setting.Key, effective) : layers[i].TryGetScalar(setting.Key, effective))
                {
                    origins[setting.Key] = layers[i];
                    break;
                }
            }
        }

        AgentSettingsText text = BindText(effective);
        var options = new AgentOptions();
        foreach (AgentSetting setting in AgentSettings.All)
        {
            if (!origins.TryGetValue(setting.Key, out Layer? layer))
            {
                continue;
            }
            if (setting.IsList)
            {
                // The binder leaves a list with no items null: the origin says it was set, so it is set to empty.
                IReadOnlyList<string> items = setting.ReadList(text) ?? [];
                if (setting.TryApply(options, items) is string refused)
                {
                    // A setting that needs items (outputs) refuses the empty list as a whole.
                    throw Invalid(setting, items.Count == 0 ? string.Empty : refused, layer);
                }
            }
            else
            {
                string value = setting.ReadScalar(text) ?? string.Empty;
                if (!setting.TryApply(options, value.Trim()))
                {
                    throw Invalid(setting, value, layer);
                }
            }
        }
        RequireWhatOutputsNeed(options, origins);
        return options;
    }

    /// <summary>
    /// An output enabled without what it cannot start without is a configuration error, found here — by
    /// <c>--print-config</c> too — rather than as a start failure (exit 1) after the state directory was taken.
    /// The file output's path has a default and cannot be set empty; the Kafka output's brokers have none.
    /// </summary>
    private static void RequireWhatOutputsNeed(AgentOptions options, Dictionary<string, Layer> origins)
    {
        if (options.Outputs.Has("kafka") && options.Outputs.KafkaBootstrapServers.Length == 0)
        {
            string where = origins.TryGetValue("outputs", out Layer? layer) ? " " + layer.Describe("outputs") : string.Empty;
            throw new AgentConfigurationException(
                $"invalid setting 'outputs' = '{string.Join(',', options.Outputs.Kinds)}'{where}: the kafka output needs kafka.bootstrap_servers "
                + $"(host:port[,host:port...]; --kafka-bootstrap-servers or {EnvironmentPrefix}KAFKA__BOOTSTRAP_SERVERS)");
        }
    }

    /// <summary>Keys and values in the file's spelling into their <see cref="AgentSettingsText"/> properties (the generated binder).</summary>
    internal static AgentSettingsText BindText(IEnumerable<KeyValuePair<string, string?>> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().Get<AgentSettingsText>() ?? new();

    /// <summary>
    /// An empty value shows as <c>[]</c>: it is what an empty list looks like in every source, and the JSON provider
    /// reads a file's <c>[]</c> as an empty value.
    /// </summary>
    private static AgentConfigurationException Invalid(AgentSetting setting, string value, Layer layer) =>
        new($"invalid setting '{setting.Name}' = '{(value.Length == 0 ? "[]" : value)}' {layer.Describe(setting.Key)}: expected {setting.Expected}");

    /// <summary>One source (the file, the environment, the command line) and its keys as it spells them.</summary>
    private sealed class Layer
    {
        private readonly IConfigurationProvider _provider;
        private readonly bool _isFile;
        private readonly Func<string, string> _describe;

        /// <summary>Every key of this source, lower case, to its own spelling (an environment variable's case).</summary>
        private readonly SortedDictionary<string, string> _keys = new(StringComparer.Ordinal);

        public Layer(IConfigurationProvider provider, bool isFile, Func<string, string> describe)
        {
            _provider = provider;
            _isFile = isFile;
            _describe = describe;
            AddKeys(parent: null);
        }

        /// <summary>Where a key came from, for messages: "in /etc/socket-agent.yaml", "from the environment variable SOCKETAGENT_INTERVAL".</summary>
        public string Describe(string key) => _describe(_keys.GetValueOrDefault(key) ?? key.ToUpperInvariant());

        public void RefuseUnknownKeys()
        {
            foreach (string key in _keys.Keys)
            {
                if (key.Length > 0 && !AgentSettings.Sections.Contains(key) && AgentSettings.Find(key) is null && !IsListItem(key))
                {
                    throw new AgentConfigurationException(
                        $"unknown setting '{key.Replace(':', '.')}' {Describe(key)} (socket-agent --print-config lists every setting)");
                }
            }
        }

        /// <summary>
        /// A scalar's value. An empty value is not set (YAML's <c>key:</c>, <c>SOCKETAGENT_X=</c>) — except a file's
        /// empty string, which is what the JSON provider makes of <c>[]</c> too: validated, so <c>interval: []</c>
        /// is refused rather than ignored.
        /// </summary>
        public bool TryGetScalar(string key, Dictionary<string, string?> effective)
        {
            if (_provider.TryGet(key, out string? value) && (!string.IsNullOrEmpty(value) || _isFile && value is not null))
            {
                effective[key] = value;
                return true;
            }
            return false;
        }

        /// <summary>
        /// A list's items when this source sets it: its indexed children, else one comma-separated value; present
        /// with an empty or null value (<c>[]</c>, <c>key:</c>, <c>SOCKETAGENT_X=</c>, <c>-r</c> alone) it is set to empty.
        /// </summary>
        public bool TryGetList(string key, Dictionary<string, string?> effective)
        {
            var items = new List<(int Index, string Value)>();
            foreach (string child in _provider.GetChildKeys([], key).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                // Anything but an index under a list was refused as an unknown key.
                if (int.TryParse(child, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    _provider.TryGet(ConfigurationPath.Combine(key, child), out string? item);
                    items.Add((index, (item ?? string.Empty).Trim()));
                }
            }
            if (items.Count > 0)
            {
                items.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            }
            else if (_provider.TryGet(key, out string? text))
            {
                int i = 0;
                foreach (string item in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    items.Add((i++, item));
                }
            }
            else
            {
                return false;
            }

            for (int i = 0; i < items.Count; i++)
            {
                effective[ConfigurationPath.Combine(key, i.ToString(CultureInfo.InvariantCulture))] = items[i].Value;
            }
            return true;
        }

        private void AddKeys(string? parent)
        {
            foreach (string child in _provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                string key = parent is null ? child : ConfigurationPath.Combine(parent, child);
                _keys.TryAdd(key.ToLowerInvariant(), key);
                AddKeys(key);
            }
        }

        private static bool IsListItem(string key)
        {
            int colon = key.LastIndexOf(':');
            return colon > 0
                && int.TryParse(key.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                && AgentSettings.Find(key[..colon]) is { IsList: true };
        }
    }
}
