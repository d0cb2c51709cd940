using System.Globalization;
using System.Text.Json;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// One OTLP/HTTP metrics request (an <c>ExportMetricsServiceRequest</c>) as <c>otlp_decode.py</c> decoded it with the
/// vendored .proto files and python3-protobuf. Attribute values are compared as text: strings as they are, bools
/// "true"/"false", ints in decimal, doubles in round-trip form, bytes in base64, arrays and key-value lists as JSON
/// (their protobuf types are in the <c>*Types</c> dictionaries).
/// </summary>
internal sealed class OtlpMetricsExport
{
    private OtlpMetricsExport(int sequence, IReadOnlyList<OtlpResource> resources)
    {
        Sequence = sequence;
        Resources = resources;
        Metrics = resources.SelectMany(r => r.Scopes).SelectMany(s => s.Metrics).ToArray();
    }

    /// <summary>The request's number at the receiver, 1 for the first request it got.</summary>
    public int Sequence { get; }

    /// <summary>Every <c>ResourceMetrics</c> of the request.</summary>
    public IReadOnlyList<OtlpResource> Resources { get; }

    /// <summary>Every metric of every resource and scope, in request order.</summary>
    public IReadOnlyList<OtlpMetric> Metrics { get; }

    /// <summary>The resource attributes; the request must have exactly one resource (an SDK exports one per request).</summary>
    public IReadOnlyDictionary<string, string> ResourceAttributes => SingleResource.Attributes;

    /// <summary>The protobuf type (string, int, bool, double, bytes, array, kvlist, empty) of each resource attribute.</summary>
    public IReadOnlyDictionary<string, string> ResourceAttributeTypes => SingleResource.AttributeTypes;

    private OtlpResource SingleResource => Resources.Count == 1
        ? Resources[0]
        : throw new InvalidOperationException($"request #{Sequence} has {Resources.Count} resources, not one; use Resources");

    /// <summary>Whether a metric named <paramref name="name"/> is in the request.</summary>
    public bool HasMetric(string name) => Metrics.Any(m => m.Name == name);

    /// <summary>
    /// The metric named <paramref name="name"/>. Throws <see cref="KeyNotFoundException"/> (listing the names there are)
    /// when there is none, <see cref="InvalidOperationException"/> when several scopes or resources have one.
    /// </summary>
    public OtlpMetric Metric(string name) =>
        TryMetric(name) ?? throw new KeyNotFoundException($"no metric '{name}' in request #{Sequence}; metrics: {string.Join(", ", Metrics.Select(m => m.Name))}");

    /// <summary>Like <see cref="Metric"/>, null when there is none.</summary>
    public OtlpMetric? TryMetric(string name)
    {
        OtlpMetric[] matching = Metrics.Where(m => m.Name == name).ToArray();
        return matching.Length switch
        {
            0 => null,
            1 => matching[0],
            _ => throw new InvalidOperationException($"request #{Sequence} has metric '{name}' {matching.Length} times (scopes {string.Join(", ", matching.Select(m => $"'{m.ScopeName}'"))})"),
        };
    }

    public override string ToString() => $"request #{Sequence}: {string.Join(", ", Metrics.Select(m => $"{m.Name} ({m.Kind}, {m.Points.Count} points)"))}";

    /// <summary>Reads the JSON that <c>otlp_decode.py</c> printed.</summary>
    public static OtlpMetricsExport Parse(int sequence, byte[] json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var resources = new List<OtlpResource>();
        foreach (JsonElement resource in document.RootElement.GetProperty("resources").EnumerateArray())
        {
            var (attributes, types) = Attributes(resource.GetProperty("attributes"), $"request #{sequence} resource");
            var scopes = new List<OtlpScope>();
            foreach (JsonElement scope in resource.GetProperty("scopes").EnumerateArray())
            {
                string scopeName = scope.GetProperty("name").GetString()!;
                string scopeVersion = scope.GetProperty("version").GetString()!;
                var metrics = scope.GetProperty("metrics").EnumerateArray()
                    .Select(m => ParseMetric(m, scopeName, scopeVersion, attributes)).ToArray();
                scopes.Add(new OtlpScope(scopeName, scopeVersion, Attributes(scope.GetProperty("attributes"), $"scope {scopeName}").Values,
                    scope.GetProperty("schema_url").GetString()!, metrics));
            }
            resources.Add(new OtlpResource(attributes, types, resource.GetProperty("schema_url").GetString()!, scopes));
        }
        return new OtlpMetricsExport(sequence, resources);
    }

    private static OtlpMetric ParseMetric(JsonElement metric, string scopeName, string scopeVersion, IReadOnlyDictionary<string, string> resourceAttributes)
    {
        string name = metric.GetProperty("name").GetString()!;
        OtlpMetricKind kind = metric.GetProperty("kind").GetString() switch
        {
            "gauge" => OtlpMetricKind.Gauge,
            "sum" => OtlpMetricKind.Sum,
            "histogram" => OtlpMetricKind.Histogram,
            "exponential_histogram" => OtlpMetricKind.ExponentialHistogram,
            "summary" => OtlpMetricKind.Summary,
            string other => throw new InvalidDataException($"metric {name}: unknown kind '{other}'"),
            null => throw new InvalidDataException($"metric {name}: no kind"),
        };
        OtlpTemporality temporality = metric.GetProperty("temporality").GetString() switch
        {
            "AGGREGATION_TEMPORALITY_UNSPECIFIED" => OtlpTemporality.Unspecified,
            "AGGREGATION_TEMPORALITY_DELTA" => OtlpTemporality.Delta,
            "AGGREGATION_TEMPORALITY_CUMULATIVE" => OtlpTemporality.Cumulative,
            string other => throw new InvalidDataException($"metric {name}: unknown temporality '{other}'"),
            null => throw new InvalidDataException($"metric {name}: no temporality"),
        };
        var points = metric.GetProperty("points").EnumerateArray().Select(p => ParsePoint(p, kind, $"metric {name}")).ToArray();
        return new OtlpMetric(name, metric.GetProperty("description").GetString()!, metric.GetProperty("unit").GetString()!, kind,
            metric.GetProperty("is_monotonic").GetBoolean(), temporality, scopeName, scopeVersion, resourceAttributes, points);
    }

    private static OtlpPoint ParsePoint(JsonElement point, OtlpMetricKind kind, string where)
    {
        var (attributes, types) = Attributes(point.GetProperty("attributes"), where);
        var result = new OtlpPoint
        {
            Kind = kind,
            Attributes = attributes,
            AttributeTypes = types,
            StartTimeUnixNano = UInt64(point.GetProperty("start_time_unix_nano")),
            TimeUnixNano = UInt64(point.GetProperty("time_unix_nano")),
            Flags = point.GetProperty("flags").GetUInt32(),
        };
        switch (kind)
        {
            case OtlpMetricKind.Gauge or OtlpMetricKind.Sum:
                if (point.GetProperty("value") is { ValueKind: JsonValueKind.Object } value)
                {
                    bool isInt = value.GetProperty("type").GetString() == "int";
                    string text = value.GetProperty("value").GetString()!;
                    result = result with
                    {
                        NumberValue = isInt ? long.Parse(text, CultureInfo.InvariantCulture) : TelemetryTools.ParseNumber(text),
                        IntValue = isInt ? long.Parse(text, CultureInfo.InvariantCulture) : null,
                    };
                }
                return result;
            case OtlpMetricKind.Histogram:
                return result with
                {
                    Count = UInt64(point.GetProperty("count")),
                    Sum = OptionalNumber(point.GetProperty("sum")),
                    BucketCounts = point.GetProperty("bucket_counts").EnumerateArray().Select(UInt64).ToArray(),
                    ExplicitBounds = point.GetProperty("explicit_bounds").EnumerateArray().Select(b => TelemetryTools.ParseNumber(b.GetString()!)).ToArray(),
                    Min = OptionalNumber(point.GetProperty("min")),
                    Max = OptionalNumber(point.GetProperty("max")),
                };
            case OtlpMetricKind.ExponentialHistogram:
                return result with
                {
                    Count = UInt64(point.GetProperty("count")),
                    Sum = OptionalNumber(point.GetProperty("sum")),
                    Scale = point.GetProperty("scale").GetInt32(),
                    ZeroCount = UInt64(point.GetProperty("zero_count")),
                    ZeroThreshold = TelemetryTools.ParseNumber(point.GetProperty("zero_threshold").GetString()!),
                    Positive = Buckets(point.GetProperty("positive")),
                    Negative = Buckets(point.GetProperty("negative")),
                    Min = OptionalNumber(point.GetProperty("min")),
                    Max = OptionalNumber(point.GetProperty("max")),
                };
            default:
                return result with
                {
                    Count = UInt64(point.GetProperty("count")),
                    Sum = OptionalNumber(point.GetProperty("sum")),
                    QuantileValues = point.GetProperty("quantile_values").EnumerateArray()
                        .Select(q => (TelemetryTools.ParseNumber(q.GetProperty("quantile").GetString()!), TelemetryTools.ParseNumber(q.GetProperty("value").GetString()!)))
                        .ToArray(),
                };
        }
    }

    private static (IReadOnlyDictionary<string, string> Values, IReadOnlyDictionary<string, string> Types) Attributes(JsonElement attributes, string where)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonElement attribute in attributes.EnumerateArray())
        {
            string key = attribute.GetProperty("key").GetString()!;
            if (!values.TryAdd(key, attribute.GetProperty("value").GetString()!))
            {
                throw new InvalidDataException($"{where}: attribute '{key}' repeated");
            }
            types.Add(key, attribute.GetProperty("type").GetString()!);
        }
        return (values, types);
    }

    private static OtlpBuckets Buckets(JsonElement buckets) =>
        new(buckets.GetProperty("offset").GetInt32(), buckets.GetProperty("bucket_counts").EnumerateArray().Select(UInt64).ToArray());

    private static ulong UInt64(JsonElement text) => ulong.Parse(text.GetString()!, CultureInfo.InvariantCulture);

    private static double? OptionalNumber(JsonElement text) => text.ValueKind == JsonValueKind.Null ? null : TelemetryTools.ParseNumber(text.GetString()!);
}

internal enum OtlpMetricKind
{
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
}

/// <summary><c>AggregationTemporality</c>; a gauge's (and a summary's) is <see cref="Unspecified"/>.</summary>
internal enum OtlpTemporality
{
    Unspecified,
    Delta,
    Cumulative,
}

/// <summary>One <c>ResourceMetrics</c>.</summary>
internal sealed record OtlpResource(IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> AttributeTypes,
    string SchemaUrl, IReadOnlyList<OtlpScope> Scopes);

/// <summary>One <c>ScopeMetrics</c>: the instrumentation scope (the .NET <c>Meter</c>'s name and version) and its metrics.</summary>
internal sealed record OtlpScope(string Name, string Version, IReadOnlyDictionary<string, string> Attributes, string SchemaUrl,
    IReadOnlyList<OtlpMetric> Metrics);

/// <summary>
/// One metric. <see cref="IsMonotonic"/> is a Sum's (false otherwise); <see cref="Temporality"/> is a Sum's or a
/// histogram's. <see cref="ScopeName"/>/<see cref="ScopeVersion"/> and <see cref="ResourceAttributes"/> are those it was sent under.
/// </summary>
internal sealed record OtlpMetric(string Name, string Description, string Unit, OtlpMetricKind Kind, bool IsMonotonic,
    OtlpTemporality Temporality, string ScopeName, string ScopeVersion, IReadOnlyDictionary<string, string> ResourceAttributes,
    IReadOnlyList<OtlpPoint> Points)
{
    /// <summary>
    /// The one point that has all of <paramref name="attributes"/> (it may have more). Throws
    /// <see cref="KeyNotFoundException"/> when none matches, <see cref="InvalidOperationException"/> when several do;
    /// both list the metric's points.
    /// </summary>
    public OtlpPoint Point(params (string Key, string Value)[] attributes)
    {
        OtlpPoint[] matching = Points.Where(p => p.Has(attributes)).ToArray();
        string wanted = "{" + string.Join(",", attributes.Select(a => $"{a.Key}={a.Value}")) + "}";
        return matching.Length switch
        {
            1 => matching[0],
            0 => throw new KeyNotFoundException($"metric {Name} has no point with {wanted}; points: {string.Join("; ", Points)}"),
            _ => throw new InvalidOperationException($"{matching.Length} points of metric {Name} have {wanted}; give more attributes. Points: {string.Join("; ", Points)}"),
        };
    }

    /// <summary>Like <see cref="Point"/>, null when no point matches (several matching still throw).</summary>
    public OtlpPoint? TryPoint(params (string Key, string Value)[] attributes) =>
        Points.Any(p => p.Has(attributes)) ? Point(attributes) : null;
}

/// <summary>
/// One data point. Number points (Gauge, Sum) have <see cref="Value"/>; histogram points <see cref="Count"/>,
/// <see cref="Sum"/>, <see cref="BucketCounts"/> and <see cref="ExplicitBounds"/> (one more count than bounds); exponential
/// histograms <see cref="Scale"/>, <see cref="ZeroCount"/>, <see cref="Positive"/>, <see cref="Negative"/>.
/// </summary>
internal sealed record OtlpPoint
{
    public required OtlpMetricKind Kind { get; init; }
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
    public required IReadOnlyDictionary<string, string> AttributeTypes { get; init; }
    public ulong StartTimeUnixNano { get; init; }
    public ulong TimeUnixNano { get; init; }
    public uint Flags { get; init; }

    /// <summary>The number of a Gauge or Sum point (<c>as_int</c> or <c>as_double</c>); null if the point has neither.</summary>
    public double? NumberValue { get; init; }

    /// <summary>The <c>as_int</c> of a number point, null when it is <c>as_double</c>.</summary>
    public long? IntValue { get; init; }

    public ulong Count { get; init; }
    public double? Sum { get; init; }
    public IReadOnlyList<ulong> BucketCounts { get; init; } = [];
    public IReadOnlyList<double> ExplicitBounds { get; init; } = [];
    public double? Min { get; init; }
    public double? Max { get; init; }
    public int Scale { get; init; }
    public ulong ZeroCount { get; init; }
    public double ZeroThreshold { get; init; }
    public OtlpBuckets? Positive { get; init; }
    public OtlpBuckets? Negative { get; init; }
    public IReadOnlyList<(double Quantile, double Value)> QuantileValues { get; init; } = [];

    /// <summary>The number of a Gauge or Sum point; throws for a histogram or summary point, or a number point without a value.</summary>
    public double Value => Kind is OtlpMetricKind.Gauge or OtlpMetricKind.Sum
        ? NumberValue ?? throw new InvalidOperationException($"the {Kind} point {this} has neither as_int nor as_double")
        : throw new InvalidOperationException($"a {Kind} point has no single value: use Count, Sum, BucketCounts, ...");

    /// <summary>Whether every one of <paramref name="attributes"/> is on this point with that value.</summary>
    public bool Has(params (string Key, string Value)[] attributes) =>
        attributes.All(a => Attributes.TryGetValue(a.Key, out string? value) && value == a.Value);

    public override string ToString()
    {
        string attributes = "{" + string.Join(",", Attributes.Select(a => $"{a.Key}={a.Value}")) + "}";
        return Kind switch
        {
            OtlpMetricKind.Gauge or OtlpMetricKind.Sum => $"{attributes} {(NumberValue is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "(no value)")}",
            OtlpMetricKind.Histogram => $"{attributes} count={Count} sum={Sum} buckets=[{string.Join(",", BucketCounts)}] bounds=[{string.Join(",", ExplicitBounds.Select(b => b.ToString("R", CultureInfo.InvariantCulture)))}]",
            _ => $"{attributes} count={Count} sum={Sum}",
        };
    }
}

/// <summary>The positive or negative buckets of an exponential histogram point.</summary>
internal sealed record OtlpBuckets(int Offset, IReadOnlyList<ulong> BucketCounts);
