using System.Buffers;
using System.Globalization;
using System.Text;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// Writes the Prometheus text exposition format, version 0.0.4, as UTF-8 straight into a buffer: per family a
/// <c># HELP</c> and a <c># TYPE</c> line, then its samples, <c>name{label="value",...} value</c>, one per line.
/// Label values escape <c>\</c>, <c>"</c> and the line feed; HELP text escapes <c>\</c> and the line feed; values are
/// Go-style floats (<c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>). Hand-written rather than a library: the format is a page
/// long, and this keeps the native AOT binary free of a metrics SDK and its hosting.
/// </summary>
internal sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly SearchValues<char> s_labelEscapes = SearchValues.Create("\\\"\n");
    private static readonly SearchValues<char> s_helpEscapes = SearchValues.Create("\\\n");

    private readonly IBufferWriter<byte> _output;

    public PrometheusTextWriter(IBufferWriter<byte> output) => _output = output;

    /// <summary>The <c># HELP</c> and <c># TYPE</c> lines that open a family; its samples follow.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid metric name.</exception>
    public void WriteFamily(string name, PrometheusMetricType type, string help)
    {
        ThrowIfInvalidName(name, isLabel: false);
        WriteAscii("# HELP ");
        WriteAscii(name);
        WriteByte((byte)' ');
        WriteEscaped(help, s_helpEscapes);
        WriteAscii("\n# TYPE ");
        WriteAscii(name);
        WriteAscii(type switch
        {
            PrometheusMetricType.Counter => " counter\n",
            PrometheusMetricType.Gauge => " gauge\n",
            _ => " histogram\n",
        });
    }

    public void WriteSample(string name, long value, params ReadOnlySpan<PrometheusLabel> labels)
    {
        WriteName(name, labels, le: null);
        WriteByte((byte)' ');
        WriteInteger(value);
        WriteByte((byte)'\n');
    }

    public void WriteSample(string name, double value, params ReadOnlySpan<PrometheusLabel> labels)
    {
        WriteName(name, labels, le: null);
        WriteByte((byte)' ');
        WriteDouble(value);
        WriteByte((byte)'\n');
    }

    /// <summary>
    /// A histogram's samples (after its <see cref="WriteFamily"/>): <c>name_bucket{le="…"}</c> with cumulative
    /// counts, the <c>le="+Inf"</c> bucket equal to the count, then <c>name_sum</c> and <c>name_count</c>.
    /// </summary>
    /// <param name="upperBounds">The finite bucket bounds, ascending.</param>
    /// <param name="bucketCounts">Per bound, the observations that fell in that bucket alone (not cumulative); one more for +Inf.</param>
    public void WriteHistogram(string name, ReadOnlySpan<double> upperBounds, ReadOnlySpan<long> bucketCounts, double sum, params ReadOnlySpan<PrometheusLabel> labels)
    {
        if (bucketCounts.Length != upperBounds.Length + 1)
        {
            throw new ArgumentException("a histogram needs one count per bound and one for +Inf", nameof(bucketCounts));
        }
        string bucket = name + "_bucket";
        long cumulative = 0;
        for (int i = 0; i <= upperBounds.Length; i++)
        {
            cumulative += bucketCounts[i];
            WriteName(bucket, labels, le: i < upperBounds.Length ? upperBounds[i] : double.PositiveInfinity);
            WriteByte((byte)' ');
            WriteInteger(cumulative);
            WriteByte((byte)'\n');
        }
        WriteSample(name + "_sum", sum, labels);
        WriteSample(name + "_count", cumulative, labels);
    }

    private void WriteName(string name, ReadOnlySpan<PrometheusLabel> labels, double? le)
    {
        ThrowIfInvalidName(name, isLabel: false);
        WriteAscii(name);
        if (labels.IsEmpty && le is null)
        {
            return;
        }
        WriteByte((byte)'{');
        for (int i = 0; i < labels.Length; i++)
        {
            ThrowIfInvalidName(labels[i].Name, isLabel: true);
            if (i > 0)
            {
                WriteByte((byte)',');
            }
            WriteAscii(labels[i].Name);
            WriteAscii("=\"");
            WriteEscaped(labels[i].Value, s_labelEscapes);
            WriteByte((byte)'"');
        }
        if (le is double bound)
        {
            WriteAscii(labels.IsEmpty ? "le=\"" : ",le=\"");
            WriteDouble(bound);
            WriteByte((byte)'"');
        }
        WriteByte((byte)'}');
    }

    /// <summary>UTF-8 of <paramref name="text"/> with <c>\</c> → <c>\\</c>, <c>"</c> → <c>\"</c>, line feed → <c>\n</c> (those in <paramref name="escapes"/>).</summary>
    private void WriteEscaped(ReadOnlySpan<char> text, SearchValues<char> escapes)
    {
        while (!text.IsEmpty)
        {
            int special = text.IndexOfAny(escapes);
            ReadOnlySpan<char> plain = special < 0 ? text : text[..special];
            if (!plain.IsEmpty)
            {
                Span<byte> destination = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(plain.Length));
                _output.Advance(Encoding.UTF8.GetBytes(plain, destination));
            }
            if (special < 0)
            {
                return;
            }
            WriteAscii(text[special] switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                _ => "\\n",
            });
            text = text[(special + 1)..];
        }
    }

    private void WriteInteger(long value)
    {
        Span<byte> destination = _output.GetSpan(20);
        value.TryFormat(destination, out int written, default, CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    private void WriteDouble(double value)
    {
        if (double.IsNaN(value))
        {
            WriteAscii("NaN");
            return;
        }
        if (double.IsInfinity(value))
        {
            WriteAscii(value > 0 ? "+Inf" : "-Inf");
            return;
        }
        // "R": the shortest text that parses back to the same double (1E-05 style exponents are valid Go floats).
        Span<byte> destination = _output.GetSpan(32);
        value.TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    private void WriteAscii(ReadOnlySpan<char> ascii)
    {
        Span<byte> destination = _output.GetSpan(ascii.Length);
        for (int i = 0; i < ascii.Length; i++)
        {
            destination[i] = (byte)ascii[i];
        }
        _output.Advance(ascii.Length);
    }

    private void WriteByte(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }

    /// <summary>Metric names <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, label names <c>[a-zA-Z_][a-zA-Z0-9_]*</c> (no colon).</summary>
    internal static bool IsValidName(ReadOnlySpan<char> name, bool isLabel)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (c == ':' && !isLabel)))
            {
                return false;
            }
        }
        return true;
    }

    private static void ThrowIfInvalidName(string name, bool isLabel)
    {
        if (!IsValidName(name, isLabel))
        {
            throw new ArgumentException($"'{name}' is not a valid Prometheus {(isLabel ? "label" : "metric")} name", nameof(name));
        }
    }
}
