namespace SocketAgent.Cli.Configuration;

/// <summary>
/// One setting: its key (<c>filters:include:local_ports</c>, as Microsoft.Extensions.Configuration spells paths),
/// what it accepts, and how a value lands in <see cref="AgentOptions"/>. Explicit code instead of the reflection
/// binder: the native AOT build stays trim-clean, "500ms" is a duration, and every refusal can name the setting
/// and its accepted values.
/// </summary>
internal sealed class AgentSetting
{
    private readonly Func<AgentOptions, string, bool>? _applyScalar;
    private readonly Func<AgentOptions, IReadOnlyList<string>, string?>? _applyList;

    private AgentSetting(string key, string expected, Func<AgentOptions, string, bool>? scalar, Func<AgentOptions, IReadOnlyList<string>, string?>? list)
    {
        Key = key;
        Name = key.Replace(':', '.');
        Expected = expected;
        _applyScalar = scalar;
        _applyList = list;
    }

    /// <summary>The configuration path, lower case, <c>:</c> between levels.</summary>
    public string Key { get; }

    /// <summary>The name shown to people: <c>filters.include.local_ports</c>.</summary>
    public string Name { get; }

    /// <summary>What it accepts, as the end of "expected …".</summary>
    public string Expected { get; }

    /// <summary>A list: in a file a sequence, in the environment or on the command line comma-separated.</summary>
    public bool IsList => _applyList is not null;

    public static AgentSetting Scalar(string key, string expected, Func<AgentOptions, string, bool> apply) => new(key, expected, apply, null);

    /// <param name="apply">Returns the first refused item, or null when all were accepted.</param>
    public static AgentSetting List(string key, string expected, Func<AgentOptions, IReadOnlyList<string>, string?> apply) => new(key, expected, null, apply);

    public bool TryApply(AgentOptions options, string value) => _applyScalar!(options, value);

    public string? TryApply(AgentOptions options, IReadOnlyList<string> values) => _applyList!(options, values);
}
