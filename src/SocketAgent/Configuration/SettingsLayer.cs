namespace SocketAgent.Cli.Configuration;

/// <summary>
/// The settings one source gave (the file, the environment, the command line): keys lower case with <c>:</c>
/// between levels, list items as <c>key:0</c>, <c>key:1</c>… or one comma-separated value; a key present with no
/// items (null or empty value) is an explicit empty list.
/// </summary>
internal sealed class SettingsLayer
{
    private readonly Dictionary<string, string?> _values;
    private readonly Func<string, string> _describe;
    private readonly IReadOnlySet<string>? _emptyLists;

    /// <param name="emptyLists">The keys a file gave as an empty sequence (<see cref="EmptyListFinder"/>), or null.</param>
    public SettingsLayer(Dictionary<string, string?> values, Func<string, string> describe, IReadOnlySet<string>? emptyLists = null)
    {
        _values = values;
        _describe = describe;
        _emptyLists = emptyLists;
    }

    public IReadOnlyDictionary<string, string?> Values => _values;

    /// <summary>Where a key came from, for messages: "in /etc/socket-agent.yaml", "from SOCKETAGENT_INTERVAL".</summary>
    public string Describe(string key) => _describe(key);

    /// <summary>A scalar's value; an empty value counts as not set (YAML's <c>key:</c>, <c>SOCKETAGENT_X=</c>).</summary>
    public bool TryGetScalar(string key, out string value)
    {
        value = _values.GetValueOrDefault(key) ?? string.Empty;
        return value.Length > 0;
    }

    /// <summary>Whether the file wrote this key as an empty sequence (<c>[]</c>): wrong for a scalar, not "not set".</summary>
    public bool IsEmptyList(string key) => _emptyLists?.Contains(key) == true;

    /// <summary>A list's items when this layer sets it: from indexed children, else from a comma-separated value.</summary>
    public bool TryGetList(string key, out List<string> items)
    {
        items = [];
        bool found = false;
        string prefix = key + ":";
        var indexed = new List<(int Index, string Value)>();
        foreach ((string k, string? v) in _values)
        {
            if (k.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(k.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            {
                indexed.Add((index, v ?? string.Empty));
                found = true;
            }
        }
        if (found)
        {
            indexed.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            foreach ((_, string value) in indexed)
            {
                items.Add(value.Trim());
            }
            return true;
        }

        if (_values.TryGetValue(key, out string? text))
        {
            // Present with an empty value is an explicit empty list: `transports: []` or `transports:` in a file,
            // SOCKETAGENT_COLLECT__TRANSPORTS= in the environment, `-r` alone on the command line.
            foreach (string item in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                items.Add(item);
            }
            return true;
        }
        return false;
    }
}
