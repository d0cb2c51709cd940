using System.Buffers;
using System.Text;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Tests.Operations;

public sealed class PrometheusTextWriterTests
{
    private static string Write(Action<PrometheusTextWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(16); // small: the writer must ask for room as it goes
        write(new PrometheusTextWriter(buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void A_family_is_help_type_then_samples_exactly_as_the_format_spells_them()
    {
        string text = Write(static w =>
        {
            w.WriteFamily("socket_agent_events_total", PrometheusMetricType.Counter, "Events written.");
            w.WriteSample("socket_agent_events_total", 42, new PrometheusLabel("dataset", "socket"), new PrometheusLabel("action", "opened"));
            w.WriteFamily("socket_agent_ready", PrometheusMetricType.Gauge, "Ready.");
            w.WriteSample("socket_agent_ready", 1);
        });

        Assert.Equal(
            "# HELP socket_agent_events_total Events written.\n"
            + "# TYPE socket_agent_events_total counter\n"
            + "socket_agent_events_total{dataset=\"socket\",action=\"opened\"} 42\n"
            + "# HELP socket_agent_ready Ready.\n"
            + "# TYPE socket_agent_ready gauge\n"
            + "socket_agent_ready 1\n", text);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("a \"quoted\" word", "a \\\"quoted\\\" word")]
    [InlineData("two\nlines", "two\\nlines")]
    [InlineData("\\\"\n", "\\\\\\\"\\n")]
    [InlineData("tab\tand ünïcödé, {braces}=,", "tab\tand ünïcödé, {braces}=,")]
    [InlineData("", "")]
    public void Label_values_escape_backslash_quote_and_line_feed_only(string value, string escaped)
    {
        string text = Write(w =>
        {
            w.WriteFamily("m", PrometheusMetricType.Gauge, "h");
            w.WriteSample("m", 1, new PrometheusLabel("l", value));
        });

        Assert.Equal($"# HELP m h\n# TYPE m gauge\nm{{l=\"{escaped}\"}} 1\n", text);
        Assert.Equal(value, Assert.Single(PrometheusText.Parse(text)["m"].Samples).Label("l"));
    }

    [Fact]
    public void Help_escapes_backslash_and_line_feed_but_not_quotes()
    {
        string text = Write(static w => w.WriteFamily("m", PrometheusMetricType.Counter, "a \\ b\nc \"d\""));

        Assert.Equal("# HELP m a \\\\ b\\nc \"d\"\n# TYPE m counter\n", text);
        Assert.Equal("a \\ b\nc \"d\"", PrometheusText.Parse(text)["m"].Help);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.5, "1.5")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(1e-5, "1E-05")]
    [InlineData(1795621157.629, "1795621157.629")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Floats_are_written_so_that_they_parse_back_to_the_same_value(double value, string expected)
    {
        string text = Write(w =>
        {
            w.WriteFamily("m", PrometheusMetricType.Gauge, "h");
            w.WriteSample("m", value);
        });

        Assert.EndsWith($"\nm {expected}\n", text);
        Assert.Equal(value, PrometheusText.Parse(text).Value("m"));
    }

    [Fact]
    public void Integers_keep_every_digit()
    {
        string text = Write(static w =>
        {
            w.WriteFamily("m_total", PrometheusMetricType.Counter, "h");
            w.WriteSample("m_total", long.MaxValue);
        });

        Assert.EndsWith("\nm_total 9223372036854775807\n", text);
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_ending_with_inf_equal_to_the_count_then_sum_and_count()
    {
        string text = Write(static w =>
        {
            w.WriteFamily("d_seconds", PrometheusMetricType.Histogram, "h");
            w.WriteHistogram("d_seconds", [0.01, 0.1, 1], [2, 0, 3, 1], 4.5, new PrometheusLabel("output", "kafka"));
        });

        Assert.Equal(
            "# HELP d_seconds h\n# TYPE d_seconds histogram\n"
            + "d_seconds_bucket{output=\"kafka\",le=\"0.01\"} 2\n"
            + "d_seconds_bucket{output=\"kafka\",le=\"0.1\"} 2\n"
            + "d_seconds_bucket{output=\"kafka\",le=\"1\"} 5\n"
            + "d_seconds_bucket{output=\"kafka\",le=\"+Inf\"} 6\n"
            + "d_seconds_sum{output=\"kafka\"} 4.5\n"
            + "d_seconds_count{output=\"kafka\"} 6\n", text);
        PrometheusText parsed = PrometheusText.Parse(text);
        Assert.Equal(6, parsed.Value("d_seconds_count"));
    }

    [Fact]
    public void A_histogram_without_labels_puts_le_alone_in_the_braces()
    {
        string text = Write(static w =>
        {
            w.WriteFamily("d", PrometheusMetricType.Histogram, "h");
            w.WriteHistogram("d", [1], [0, 0], 0);
        });

        Assert.Contains("\nd_bucket{le=\"1\"} 0\nd_bucket{le=\"+Inf\"} 0\nd_sum 0\nd_count 0\n", text);
        PrometheusText.Parse(text);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("9lives", false)]
    [InlineData("has-dash", false)]
    [InlineData("has space", false)]
    [InlineData("ünï", false)]
    [InlineData("ok_name:sub", true)]
    [InlineData("_x", true)]
    public void Invalid_metric_names_are_refused(string name, bool valid)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new PrometheusTextWriter(buffer);
        if (valid)
        {
            writer.WriteFamily(name, PrometheusMetricType.Gauge, "h");
        }
        else
        {
            Assert.Throws<ArgumentException>(() => writer.WriteFamily(name, PrometheusMetricType.Gauge, "h"));
            Assert.Throws<ArgumentException>(() => writer.WriteSample(name, 1));
        }
    }

    [Fact]
    public void A_colon_is_valid_in_a_metric_name_but_not_in_a_label_name()
    {
        var writer = new PrometheusTextWriter(new ArrayBufferWriter<byte>());

        Assert.Throws<ArgumentException>(() => writer.WriteSample("m", 1, new PrometheusLabel("a:b", "v")));
        Assert.Throws<ArgumentException>(() => writer.WriteSample("m", 1, new PrometheusLabel("", "v")));
    }

    [Fact]
    public void The_test_parser_itself_refuses_what_the_format_forbids()
    {
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE m gauge\nm 1"));                      // no final line feed
        Assert.Throws<FormatException>(() => PrometheusText.Parse("m 1\n"));                                    // no family
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE m gauge\nm{l=\"a\\tb\"} 1\n"));     // undefined escape
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE m gauge\nm{l=\"a\"} 1\nm{l=\"a\"} 2\n")); // repeated series
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE m gauge\nm one\n"));                  // bad value
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n"));
    }
}
