using System.Globalization;
using System.Text;

namespace SocketAgent.Tests.Operations;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, written from the format's specification (not from
/// the agent's writer): every line is a <c># HELP</c>, a <c># TYPE</c> or a sample; names and label names follow the
/// grammar; label values and HELP texts use only the escapes the format defines; a family's TYPE comes before its
/// samples and only once; no series is repeated; histogram buckets are cumulative, end with <c>le="+Inf"</c> equal to
/// <c>_count</c>. Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
internal sealed class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string Label(string name) => Labels.TryGetValue(name, out string? value) ? value : throw new KeyNotFoundException($"{Name} has no label {name}");
    }

    public sealed class Family(string name)
    {
        public string Name { get; } = name;
        public string? Help { get; set; }
        public string? Type { get; set; }
        public List<Sample> Samples { get; } = [];
    }

    public Dictionary<string, Family> Families { get; } = new(StringComparer.Ordinal);

    public Family this[string name] => Families.TryGetValue(name, out Family? family) ? family : throw new KeyNotFoundException($"no family {name}");

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        string family = Families.ContainsKey(name) ? name : FamilyOf(name);
        return Assert.Single(this[family].Samples, s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Name) == l.Value)).Value;
    }

    private static string FamilyOf(string sample)
    {
        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal))
            {
                return sample[..^suffix.Length];
            }
        }
        return sample;
    }

    public static PrometheusText Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition does not end with a line feed");
        }
        var result = new PrometheusText();
        var series = new HashSet<string>(StringComparer.Ordinal);
        Family? current = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length - 1; i++)
        {
            string line = lines[i];
            try
            {
                if (line.StartsWith('#'))
                {
                    current = ParseComment(result, line, current);
                    continue;
                }
                if (line.Length == 0)
                {
                    continue;
                }
                Sample sample = ParseSample(line);
                string family = result.Families.ContainsKey(sample.Name) ? sample.Name : FamilyOf(sample.Name);
                if (current is null || current.Name != family)
                {
                    throw new FormatException($"sample of '{family}' outside its family (after '{current?.Name}')");
                }
                if (current.Type is null)
                {
                    throw new FormatException("sample before its TYPE line");
                }
                if (current.Type != "histogram" && sample.Name != family)
                {
                    throw new FormatException($"'{sample.Name}' in a {current.Type} family");
                }
                string key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException($"series {key} repeated");
                }
                current.Samples.Add(sample);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"line {i + 1} '{line}': {ex.Message}", ex);
            }
        }
        foreach (Family family in result.Families.Values)
        {
            if (family.Type == "histogram")
            {
                CheckHistogram(family);
            }
        }
        return result;
    }

    private static Family ParseComment(PrometheusText result, string line, Family? current)
    {
        string[] parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE"))
        {
            return current ?? throw new FormatException("a comment before any family"); // plain comments are allowed
        }
        string name = parts[2];
        if (!IsMetricName(name))
        {
            throw new FormatException($"bad metric name '{name}'");
        }
        if (!result.Families.TryGetValue(name, out Family? family))
        {
            family = new Family(name);
            result.Families.Add(name, family);
        }
        else if (current != family)
        {
            throw new FormatException($"family '{name}' appears twice");
        }
        string rest = parts.Length == 4 ? parts[3] : string.Empty;
        if (parts[1] == "HELP")
        {
            if (family.Help is not null)
            {
                throw new FormatException("second HELP");
            }
            family.Help = Unescape(rest, allowQuote: false);
        }
        else
        {
            if (family.Type is not null || family.Samples.Count > 0)
            {
                throw new FormatException("TYPE repeated or after samples");
            }
            if (rest is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
            {
                throw new FormatException($"unknown type '{rest}'");
            }
            family.Type = rest;
        }
        return family;
    }

    private static Sample ParseSample(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
        {
            i++;
        }
        string name = line[..i];
        if (!IsMetricName(name))
        {
            throw new FormatException($"bad metric name '{name}'");
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int start = i;
                while (line[i] != '=')
                {
                    i++;
                }
                string label = line[start..i];
                if (!IsLabelName(label))
                {
                    throw new FormatException($"bad label name '{label}'");
                }
                if (line[++i] != '"')
                {
                    throw new FormatException("label value not quoted");
                }
                var value = new StringBuilder();
                for (i++; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        value.Append(line[++i] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            char c => throw new FormatException($"bad escape '\\{c}' in a label value"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }
                i++;
                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label '{label}' repeated");
                }
                if (line[i] == ',')
                {
                    i++;
                }
                else if (line[i] != '}')
                {
                    throw new FormatException("expected ',' or '}' after a label");
                }
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException("expected a space before the value");
        }
        string[] rest = line[(i + 1)..].Split(' ');
        if (rest.Length > 2 || (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("expected a value and an optional integer timestamp");
        }
        return new Sample(name, labels, ParseValue(rest[0]));
    }

    public static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
        _ => throw new FormatException($"bad value '{text}'"),
    };

    private static void CheckHistogram(Family family)
    {
        foreach (var group in family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(p => p.Key != "le").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value))))
        {
            Sample[] buckets = group.Where(s => s.Name == family.Name + "_bucket").ToArray();
            double previousBound = double.NegativeInfinity, previousCount = 0;
            foreach (Sample bucket in buckets)
            {
                double bound = ParseValue(bucket.Label("le"));
                if (bound <= previousBound || bucket.Value < previousCount)
                {
                    throw new FormatException($"{family.Name}: buckets not ascending and cumulative at le={bucket.Label("le")}");
                }
                previousBound = bound;
                previousCount = bucket.Value;
            }
            Sample count = group.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{family.Name}: no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}: no _sum");
            if (buckets.Length == 0 || !double.IsPositiveInfinity(previousBound) || previousCount != count.Value)
            {
                throw new FormatException($"{family.Name}: the last bucket must be le=\"+Inf\" and equal _count");
            }
        }
    }

    private static string Unescape(string text, bool allowQuote)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }
            if (++i == text.Length)
            {
                throw new FormatException("a lone backslash");
            }
            result.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when allowQuote => '"',
                char c => throw new FormatException($"bad escape '\\{c}'"),
            });
        }
        return result.ToString();
    }

    private static bool IsMetricName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool IsLabelName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(static c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
