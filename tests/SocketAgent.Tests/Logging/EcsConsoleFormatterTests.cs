using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SocketAgent.Cli.Logging;

namespace SocketAgent.Tests.Logging;

/// <summary>
/// <c>--log-format json</c>'s documents, formatter by itself: the fields, the level names, the escaping of whatever a
/// message holds, the exception fields — and the lines written outside the logger (<see cref="StderrLog"/>).
/// </summary>
public sealed class EcsConsoleFormatterTests
{
    private static readonly DateTimeOffset s_now = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2));

    [Fact]
    public void A_message_is_one_line_with_every_field_nested_as_ECS_has_them()
    {
        string text = Format(LogLevel.Warning, "SocketAgent.Cli.Hosting.AgentLoop", "SIGHUP: kept: fields", new EventId(7, "ReloadKept"));

        Assert.EndsWith("}\n", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument document = JsonDocument.Parse(text);
        JsonElement root = document.RootElement;
        // Local time +02:00 in, UTC with milliseconds and Z out.
        Assert.Equal("2026-01-02T01:04:05.678Z", root.GetProperty("@timestamp").GetString());
        Assert.Equal("warn", root.GetProperty("log").GetProperty("level").GetString());
        Assert.Equal("SocketAgent.Cli.Hosting.AgentLoop", root.GetProperty("log").GetProperty("logger").GetString());
        Assert.Equal("SIGHUP: kept: fields", root.GetProperty("message").GetString());
        Assert.Equal("7", root.GetProperty("event").GetProperty("code").GetString());
        Assert.Equal("ReloadKept", root.GetProperty("event").GetProperty("action").GetString());
        Assert.Equal("8.11.0", root.GetProperty("ecs").GetProperty("version").GetString());
        Assert.Equal("socket-agent", root.GetProperty("service").GetProperty("name").GetString());
        Assert.Equal(Environment.ProcessId, root.GetProperty("process").GetProperty("pid").GetInt32());
        Assert.False(root.TryGetProperty("error", out _));
        // Nested, never dotted keys.
        Assert.DoesNotContain(root.EnumerateObject(), static p => p.Name.Contains('.', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(LogLevel.Trace, "trace")]
    [InlineData(LogLevel.Debug, "debug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warn")]
    [InlineData(LogLevel.Error, "error")]
    [InlineData(LogLevel.Critical, "critical")]
    public void Levels_are_the_short_lower_case_names(LogLevel level, string expected)
    {
        using JsonDocument document = JsonDocument.Parse(Format(level, "SocketAgent", "m", default));

        Assert.Equal(expected, document.RootElement.GetProperty("log").GetProperty("level").GetString());
    }

    [Theory]
    [InlineData("quotes \" and \\ backslashes")]
    [InlineData("two\nlines\r\nand a tab\t")]
    [InlineData("control \u0000 \u0001 \u001b[31m \u001f \u007f")]
    [InlineData("line separators \u2028 \u2029, non-ASCII é 中 🙂, HTML <b>&amp;</b> 'quoted' +1")]
    [InlineData("")]
    public void Any_message_comes_back_unchanged_from_one_line_of_JSON(string message)
    {
        string text = Format(LogLevel.Information, "cat\"egory\n", message, new EventId(1, "name \"with\" quotes"));

        Assert.Equal(text.Length - 1, text.IndexOf('\n', StringComparison.Ordinal));
        Assert.DoesNotContain('\r', text);
        Assert.DoesNotContain('\0', text);
        using JsonDocument document = JsonDocument.Parse(text);
        Assert.Equal(message, document.RootElement.GetProperty("message").GetString());
        Assert.Equal("cat\"egory\n", document.RootElement.GetProperty("log").GetProperty("logger").GetString());
        Assert.Equal("name \"with\" quotes", document.RootElement.GetProperty("event").GetProperty("action").GetString());
    }

    [Fact]
    public void Invalid_UTF16_becomes_the_replacement_character_instead_of_failing_the_line()
    {
        // A Fact, not a Theory: lone surrogates do not survive the test runner's serialization of theory data.
        (string Message, string Expected)[] cases =
        [
            ("a\uD800b", "a\uFFFDb"),
            ("\uDC00 trail first", "\uFFFD trail first"),
            ("cut pair \uD83D", "cut pair \uFFFD"),
        ];
        foreach ((string message, string expected) in cases)
        {
            using JsonDocument document = JsonDocument.Parse(Format(LogLevel.Error, "SocketAgent", message, new EventId(1, message), new InvalidOperationException(message)));

            Assert.Equal(expected, document.RootElement.GetProperty("message").GetString());
            Assert.Equal(expected, document.RootElement.GetProperty("event").GetProperty("action").GetString());
            Assert.Equal(expected, document.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
    }

    [Fact]
    public void An_exception_fills_error_type_message_and_stack_trace_with_its_inner_exception()
    {
        Exception exception = Thrown(() => throw new InvalidOperationException("outer \"failure\"\nsecond line", Thrown(static () => throw new IOException("disk gone"))));

        using JsonDocument document = JsonDocument.Parse(Format(LogLevel.Error, "SocketAgent.Cli.Hosting.AgentLoop", "cycle 3 failed; the next one will try again", new EventId(5, "CycleFailed"), exception));

        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal("System.InvalidOperationException", error.GetProperty("type").GetString());
        Assert.Equal("outer \"failure\"\nsecond line", error.GetProperty("message").GetString());
        string trace = error.GetProperty("stack_trace").GetString()!;
        Assert.Contains(" at ", trace);
        Assert.Contains(nameof(Thrown), trace);
        Assert.Contains("System.IO.IOException: disk gone", trace);
        Assert.Equal("cycle 3 failed; the next one will try again", document.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void An_exception_logged_without_a_message_gives_the_message_its_own()
    {
        using JsonDocument document = JsonDocument.Parse(Format(LogLevel.Error, "SocketAgent", string.Empty, default, new TimeoutException("no answer")));

        Assert.Equal("no answer", document.RootElement.GetProperty("message").GetString());
        Assert.Equal("System.TimeoutException", document.RootElement.GetProperty("error").GetProperty("type").GetString());
        // Never thrown: no trace, and still a string.
        Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("error").GetProperty("stack_trace").ValueKind);
    }

    [Fact]
    public void The_default_event_id_leaves_event_out_and_a_name_alone_is_an_action()
    {
        using JsonDocument none = JsonDocument.Parse(Format(LogLevel.Information, "SocketAgent", "m", default));
        using JsonDocument named = JsonDocument.Parse(Format(LogLevel.Information, "SocketAgent", "m", new EventId(0, "Started")));

        Assert.False(none.RootElement.TryGetProperty("event", out _));
        JsonElement e = named.RootElement.GetProperty("event");
        Assert.Equal("Started", e.GetProperty("action").GetString());
        Assert.False(e.TryGetProperty("code", out _));
    }

    [Fact]
    public void A_huge_message_is_written_whole_and_the_next_line_is_unaffected()
    {
        string huge = new('x', 1 << 20);

        using JsonDocument first = JsonDocument.Parse(Format(LogLevel.Information, "SocketAgent", huge, default));
        using JsonDocument second = JsonDocument.Parse(Format(LogLevel.Information, "SocketAgent", "small", default));

        Assert.Equal(huge, first.RootElement.GetProperty("message").GetString());
        Assert.Equal("small", second.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void A_null_message_without_an_exception_writes_nothing()
    {
        var formatter = new EcsConsoleFormatter(new FixedTime(s_now));
        var output = new StringWriter();

        formatter.Write(new LogEntry<object?>(LogLevel.Information, "SocketAgent", default, null, null, static (_, _) => null!), null, output);

        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void Lines_written_outside_the_logger_keep_their_text_and_become_the_same_documents_in_json()
    {
        var text = new StringWriter();
        var json = new StringWriter();
        foreach (StderrLog log in new[] { new StderrLog(LogFormat.Text, text, new FixedTime(s_now)), new StderrLog(LogFormat.Json, json, new FixedTime(s_now)) })
        {
            log.Warning("state directory is group-writable");
            log.Error("cannot start: \"x\"", new InvalidDataException("bad"));
            log.Notice("eBPF source unavailable, using netlink only: EPERM");
            log.Write(LogLevel.Error, "--netns", "/tmp/x is not a network namespace");
        }

        Assert.Equal(
            "socket-agent: warning: state directory is group-writable\n"
            + "socket-agent: error: cannot start: \"x\"\n"
            + "socket-agent: notice: eBPF source unavailable, using netlink only: EPERM\n"
            + "socket-agent: --netns: /tmp/x is not a network namespace\n",
            text.ToString().ReplaceLineEndings("\n"));
        string[] lines = json.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        JsonElement[] documents = [.. lines.Select(static l => JsonDocument.Parse(l).RootElement)];
        Assert.Equal(["warn", "error", "info", "error"], documents.Select(static d => d.GetProperty("log").GetProperty("level").GetString()));
        Assert.All(documents, static d => Assert.Equal("SocketAgent", d.GetProperty("log").GetProperty("logger").GetString()));
        Assert.All(documents, static d => Assert.Equal("2026-01-02T01:04:05.678Z", d.GetProperty("@timestamp").GetString()));
        Assert.Equal("cannot start: \"x\"", documents[1].GetProperty("message").GetString());
        Assert.Equal("System.IO.InvalidDataException", documents[1].GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("/tmp/x is not a network namespace", documents[3].GetProperty("message").GetString());
    }

    /// <summary>What the console logger gets for one message, through the formatter.</summary>
    internal static string Format(LogLevel level, string category, string message, EventId eventId, Exception? exception = null)
    {
        var formatter = new EcsConsoleFormatter(new FixedTime(s_now));
        var output = new StringWriter();
        formatter.Write(new LogEntry<string>(level, category, eventId, message, exception, static (state, _) => state), null, output);
        return output.ToString();
    }

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            return ex;
        }
        throw new InvalidOperationException("nothing was thrown");
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
