namespace SocketAgent.Cli.Configuration;

/// <summary>
/// One setting: its key (<c>filters:include:local_ports</c>, as Microsoft.Extensions.Configuration spells paths),
/// what it accepts, where the binder put its text in <see cref="AgentSettingsText"/>, and how that text becomes its
/// <see cref="AgentOptions"/> value — so every refusal can name the setting and its accepted values.
/// </summary>
internal sealed class AgentSetting
{
    private readonly Func<AgentSettingsText, string?>? _readScalar;
    private readonly Func<AgentOptions, string, bool>? _applyScalar;
    private readonly Func<AgentSettingsText, IReadOnlyList<string>?>? _readList;
    private readonly Func<AgentOptions, IReadOnlyList<string>, string?>? _applyList;

    private AgentSetting(string key, string expected,
        Func<AgentSettingsText, string?>? readScalar, Func<AgentOptions, string, bool>? applyScalar,
        Func<AgentSettingsText, IReadOnlyList<string>?>? readList, Func<AgentOptions, IReadOnlyList<string>, string?>? applyList)
    {
        Key = key;
        Name = key.Replace(':', '.');
        Expected = expected;
        _readScalar = readScalar;
        _applyScalar = applyScalar;
        _readList = readList;
        _applyList = applyList;
    }

    /// <summary>The configuration path, lower case, <c>:</c> between levels.</summary>
    public string Key { get; }

    /// <summary>The name shown to people: <c>filters.include.local_ports</c>.</summary>
    public string Name { get; }

    /// <summary>What it accepts, as the end of "expected …".</summary>
    public string Expected { get; }

    /// <summary>A list: in a file a sequence, in the environment or on the command line comma-separated.</summary>
    public bool IsList => _applyList is not null;

    public static AgentSetting Scalar(string key, string expected, Func<AgentSettingsText, string?> read, Func<AgentOptions, string, bool> apply) =>
        new(key, expected, read, apply, null, null);

    /// <param name="apply">Returns the first refused item, or null when all were accepted.</param>
    public static AgentSetting List(string key, string expected, Func<AgentSettingsText, IReadOnlyList<string>?> read, Func<AgentOptions, IReadOnlyList<string>, string?> apply) =>
        new(key, expected, null, null, read, apply);

    /// <summary>The bound text (null: not given).</summary>
    public string? ReadScalar(AgentSettingsText text) => _readScalar!(text);

    /// <summary>The bound items (null: none, which the binder also gives for an explicitly empty list).</summary>
    public IReadOnlyList<string>? ReadList(AgentSettingsText text) => _readList!(text);

    public bool TryApply(AgentOptions options, string value) => _applyScalar!(options, value);

    public string? TryApply(AgentOptions options, IReadOnlyList<string> values) => _applyList!(options, values);
}
