using System.Text;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// Every problem found in a run's lines, grouped by field and problem, with how often it occurred and the first
/// value and line it occurred in: all of them are reported at once, not the first.
/// </summary>
internal sealed class EcsViolations
{
    private const int ExcerptLength = 300;
    private readonly Dictionary<(string Field, string Problem), Entry> _entries = [];

    public int Count => _entries.Count;

    public void Add(string field, string problem, string value, string line)
    {
        if (_entries.TryGetValue((field, problem), out Entry? entry))
        {
            entry.Count++;
            return;
        }
        _entries[(field, problem)] = new Entry
        {
            Count = 1,
            Value = value.Length > 120 ? value[..120] + "…" : value,
            Line = line.Length > ExcerptLength ? line[..ExcerptLength] + "…" : line,
        };
    }

    public string Report(string heading)
    {
        var text = new StringBuilder();
        text.Append(heading).Append(": ").Append(_entries.Count).Append(" distinct\n");
        foreach (((string field, string problem), Entry entry) in _entries.OrderBy(static e => e.Key.Field, StringComparer.Ordinal).ThenBy(static e => e.Key.Problem, StringComparer.Ordinal))
        {
            text.Append("  ").Append(field).Append(": ").Append(problem).Append(" (").Append(entry.Count).Append(" times), e.g. ")
                .Append(entry.Value).Append("\n      in ").Append(entry.Line).Append('\n');
        }
        return text.ToString();
    }

    private sealed class Entry
    {
        public int Count { get; set; }
        public required string Value { get; init; }
        public required string Line { get; init; }
    }
}
