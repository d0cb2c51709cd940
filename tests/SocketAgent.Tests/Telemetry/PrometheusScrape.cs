using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// One Prometheus scrape, parsed by the reference Python client (Debian's python3-prometheus-client), not by anything of
/// the agent or of OpenTelemetry .NET: text format 0.0.4 with <c>prometheus_client.parser</c>, OpenMetrics 1.0 with the
/// stricter <c>prometheus_client.openmetrics.parser</c> (it requires <c># EOF</c>, checks units, bucket order, counts).
/// A parser error throws <see cref="FormatException"/> carrying the parser's own message.
/// <para>
/// Names: prometheus_client names a counter <em>family</em> without its <c>_total</c> suffix while its samples keep it
/// (family <c>requests</c>, sample <c>requests_total</c>), in both formats; for a 0.0.4 counter written without
/// <c>_total</c> it adds the suffix to the samples. <see cref="Family"/> therefore also accepts the exposed name
/// (<c>requests_total</c>) of a counter; <see cref="Sample"/> always takes sample names as exposed.
/// </para>
/// </summary>
internal sealed class PrometheusScrape
{
    public const string OpenMetricsAccept = "application/openmetrics-text; version=1.0.0";
    public const string TextAccept = "text/plain; version=0.0.4";

    private PrometheusScrape(string text, bool openMetrics, string? contentType, IReadOnlyList<PrometheusFamily> families)
    {
        Text = text;
        OpenMetrics = openMetrics;
        ContentType = contentType;
        Families = families;
    }

    /// <summary>The exposition as received.</summary>
    public string Text { get; }

    /// <summary>Parsed as OpenMetrics (else as text format 0.0.4).</summary>
    public bool OpenMetrics { get; }

    /// <summary>The response's Content-Type (null for <see cref="ParseText"/>).</summary>
    public string? ContentType { get; }

    /// <summary>The families in exposition order.</summary>
    public IReadOnlyList<PrometheusFamily> Families { get; }

    /// <summary>
    /// GETs <paramref name="uri"/> asking for OpenMetrics (<see cref="OpenMetricsAccept"/>) or text 0.0.4
    /// (<see cref="TextAccept"/>), requires 200 and a Content-Type of the format asked for, and parses the body.
    /// </summary>
    public static async Task<PrometheusScrape> GetAsync(HttpClient http, Uri uri, bool openMetrics, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(openMetrics ? OpenMetricsAccept : TextAccept));
        using HttpResponseMessage response = await http.SendAsync(request, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        string? contentType = response.Content.Headers.ContentType?.ToString();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Excerpt(body)}");
        }
        string expected = openMetrics ? "application/openmetrics-text" : "text/plain";
        if (!string.Equals(response.Content.Headers.ContentType?.MediaType, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"GET {uri} asked for {(openMetrics ? OpenMetricsAccept : TextAccept)} and got Content-Type '{contentType}', not {expected}");
        }
        return await ParseAsync(body, openMetrics, contentType, ct);
    }

    /// <summary>Parses <paramref name="text"/> as OpenMetrics or as text format 0.0.4.</summary>
    public static PrometheusScrape ParseText(string text, bool openMetrics) =>
        Task.Run(() => ParseAsync(text, openMetrics, contentType: null, CancellationToken.None)).GetAwaiter().GetResult();

    private static async Task<PrometheusScrape> ParseAsync(string text, bool openMetrics, string? contentType, CancellationToken ct)
    {
        string format = openMetrics ? "openmetrics" : "text";
        ToolProcess.Result result = await TelemetryTools.RunPythonAsync("prometheus_parse.py", [format], Encoding.UTF8.GetBytes(text), ct);
        if (result.ExitCode == 2)
        {
            throw new FormatException($"prometheus_client ({format} parser) rejected the exposition: {result.StandardError.Trim()}\n--- exposition ---\n{Excerpt(text)}");
        }
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("prometheus_parse.py failed: " + result.Describe());
        }
        using JsonDocument json = JsonDocument.Parse(result.StandardOutput);
        var families = new List<PrometheusFamily>();
        foreach (JsonElement family in json.RootElement.GetProperty("families").EnumerateArray())
        {
            var samples = new List<PrometheusSample>();
            foreach (JsonElement sample in family.GetProperty("samples").EnumerateArray())
            {
                PrometheusExemplar? exemplar = sample.GetProperty("exemplar") is { ValueKind: JsonValueKind.Object } e
                    ? new PrometheusExemplar(Labels(e.GetProperty("labels")), Number(e.GetProperty("value"))!.Value, Number(e.GetProperty("timestamp")))
                    : null;
                samples.Add(new PrometheusSample(sample.GetProperty("name").GetString()!, Labels(sample.GetProperty("labels")),
                    Number(sample.GetProperty("value"))!.Value, Number(sample.GetProperty("timestamp")), exemplar));
            }
            families.Add(new PrometheusFamily(family.GetProperty("name").GetString()!, family.GetProperty("type").GetString()!,
                family.GetProperty("unit").GetString()!, family.GetProperty("documentation").GetString()!, samples));
        }
        return new PrometheusScrape(text, openMetrics, contentType, families);
    }

    private static IReadOnlyDictionary<string, string> Labels(JsonElement labels) =>
        labels.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    private static double? Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? null : TelemetryTools.ParseNumber(value.GetString()!);

    private static string Excerpt(string text) => text.Length <= 4000 ? text : text[..4000] + $"\n... ({text.Length} chars)";

    /// <summary>
    /// The family named <paramref name="name"/>; for a counter, its exposed name with <c>_total</c> finds it too (see the
    /// class remarks). Throws <see cref="KeyNotFoundException"/> listing the families there are.
    /// </summary>
    public PrometheusFamily Family(string name) =>
        TryFamily(name) ?? throw new KeyNotFoundException($"no family '{name}' in the scrape; families: {string.Join(", ", Families.Select(f => $"{f.Name} ({f.Type})"))}");

    /// <summary>Like <see cref="Family"/>, null when there is none.</summary>
    public PrometheusFamily? TryFamily(string name) =>
        Families.FirstOrDefault(f => f.Name == name)
        ?? (name.EndsWith("_total", StringComparison.Ordinal) ? Families.FirstOrDefault(f => f.Type == "counter" && f.Name == name[..^"_total".Length]) : null);

    /// <summary>Every sample named <paramref name="sampleName"/> (as exposed: <c>x_total</c>, <c>x_bucket</c>, <c>x_sum</c>, ...), of any family.</summary>
    public IReadOnlyList<PrometheusSample> Samples(string sampleName) =>
        Families.SelectMany(f => f.Samples).Where(s => s.Name == sampleName).ToArray();

    /// <summary>
    /// The value of the one sample named <paramref name="sampleName"/> that has all of <paramref name="labels"/> (it may
    /// have more). Throws <see cref="KeyNotFoundException"/> when none matches, <see cref="InvalidOperationException"/>
    /// when several do; both list the samples of that name.
    /// </summary>
    public double Sample(string sampleName, params (string Key, string Value)[] labels) =>
        TrySample(sampleName, labels) ?? throw new KeyNotFoundException($"no sample {Show(sampleName, labels)} in the scrape; {Describe(sampleName)}");

    /// <summary>Like <see cref="Sample"/>, null when no sample matches (several matching still throw).</summary>
    public double? TrySample(string sampleName, params (string Key, string Value)[] labels)
    {
        PrometheusSample[] matching = Samples(sampleName).Where(s => s.Has(labels)).ToArray();
        return matching.Length switch
        {
            0 => null,
            1 => matching[0].Value,
            _ => throw new InvalidOperationException($"{matching.Length} samples match {Show(sampleName, labels)}; give more labels. {Describe(sampleName)}"),
        };
    }

    private string Describe(string sampleName)
    {
        IReadOnlyList<PrometheusSample> samples = Samples(sampleName);
        return samples.Count == 0
            ? $"sample names: {string.Join(", ", Families.SelectMany(f => f.Samples).Select(s => s.Name).Distinct())}"
            : $"samples named {sampleName}: {string.Join("; ", samples)}";
    }

    private static string Show(string name, (string Key, string Value)[] labels) =>
        name + "{" + string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}

/// <summary>A metric family as prometheus_client reports it. <see cref="Type"/>: counter, gauge, histogram, summary, info,
/// stateset, gaugehistogram, unknown, or (0.0.4 only) untyped. <see cref="Unit"/>: OpenMetrics' <c># UNIT</c>, else "".</summary>
internal sealed record PrometheusFamily(string Name, string Type, string Unit, string Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>One sample; <see cref="Timestamp"/> in seconds when the exposition has one.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, double? Timestamp, PrometheusExemplar? Exemplar)
{
    /// <summary>Whether every one of <paramref name="labels"/> is on this sample with that value.</summary>
    public bool Has(params (string Key, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Key, out string? value) && value == l.Value);

    public override string ToString() =>
        Name + "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "} " + Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>An OpenMetrics exemplar (<c># {labels} value [timestamp]</c>).</summary>
internal sealed record PrometheusExemplar(IReadOnlyDictionary<string, string> Labels, double Value, double? Timestamp);
