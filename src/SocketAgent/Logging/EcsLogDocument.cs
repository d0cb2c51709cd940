using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace SocketAgent.Cli.Logging;

/// <summary>
/// One log message as an Elastic Common Schema document on one line — what <c>--log-format json</c> writes on stderr,
/// from the daemon's logger (<see cref="EcsConsoleFormatter"/>) and from the lines written before or without it
/// (<see cref="StderrLog"/>), so both are the same shape:
/// <code>
/// {"@timestamp":"2026-01-02T03:04:05.678Z","log":{"level":"warn","logger":"SocketAgent"},"message":"…",
///  "event":{"code":"3","action":"ReloadKept"},"error":{"type":"…","message":"…","stack_trace":"…"},
///  "ecs":{"version":"8.11.0"},"service":{"name":"socket-agent"},"process":{"pid":1234}}
/// </code>
/// Nested objects, not dotted keys: ECS documents are objects, and a consumer without Elasticsearch's dot expansion
/// (jq, a Logstash filter) reads <c>.log.level</c> as it reads the agent's own event lines. Written field by field
/// with <see cref="Utf8JsonWriter"/>: no reflection (native AOT), and every string is escaped by the writer.
/// </summary>
internal static class EcsLogDocument
{
    /// <summary>The ECS version the fields follow (every field used is defined the same way in ECS 8.x and 9.x).</summary>
    public const string EcsVersion = "8.11.0";

    public const string ServiceName = "socket-agent";

    // Escape what JSON requires (quotes, backslash, control characters) and no more, as the data lines do: a log line
    // is read by people too, and \u-escaping every non-ASCII character of a path or a message garbles it.
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>A buffer grown past this by one huge message (a deep stack trace) is dropped, not kept per thread.</summary>
    private const int KeptBufferBytes = 64 * 1024;

    private static readonly JsonEncodedText s_timestamp = JsonEncodedText.Encode("@timestamp");
    private static readonly JsonEncodedText s_log = JsonEncodedText.Encode("log");
    private static readonly JsonEncodedText s_level = JsonEncodedText.Encode("level");
    private static readonly JsonEncodedText s_logger = JsonEncodedText.Encode("logger");
    private static readonly JsonEncodedText s_message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText s_action = JsonEncodedText.Encode("action");
    private static readonly JsonEncodedText s_error = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_stackTrace = JsonEncodedText.Encode("stack_trace");
    private static readonly JsonEncodedText s_ecs = JsonEncodedText.Encode("ecs");
    private static readonly JsonEncodedText s_version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText s_service = JsonEncodedText.Encode("service");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_process = JsonEncodedText.Encode("process");
    private static readonly JsonEncodedText s_pid = JsonEncodedText.Encode("pid");

    // Per thread: the console logger formats on the logging thread, and a line should not cost a new writer.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// <c>log.level</c>: the short lower-case names syslog-style tools and most ECS loggers use (<c>info</c>,
    /// <c>warn</c>), rather than .NET's enum names; <c>critical</c> stays as .NET names it (ECS leaves the values open).
    /// </summary>
    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };

    /// <summary>Writes the document and its <c>\n</c> to <paramref name="output"/>.</summary>
    /// <param name="message">The rendered message; null or empty with an exception: the exception's message.</param>
    public static void WriteLine(TextWriter output, DateTimeOffset timestamp, LogLevel level, string logger, string? message, EventId eventId, Exception? exception, int processId)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Utf8JsonWriter json = t_writer ??= new Utf8JsonWriter(buffer, s_writerOptions);
        json.Reset(buffer);
        Write(json, timestamp, level, logger, message, eventId, exception, processId);
        json.Flush();

        // The writer's UTF-8 back to text: the console logger and the CLI both hand the line to a TextWriter.
        ReadOnlySpan<byte> bytes = buffer.WrittenSpan;
        char[] chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(bytes.Length) + 1);
        try
        {
            int length = Encoding.UTF8.GetChars(bytes, chars);
            chars[length++] = '\n';
            output.Write(chars, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            if (buffer.Capacity > KeptBufferBytes)
            {
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    /// <summary>The document alone (no newline), for a caller with its own writer.</summary>
    public static void Write(Utf8JsonWriter json, DateTimeOffset timestamp, LogLevel level, string logger, string? message, EventId eventId, Exception? exception, int processId)
    {
        json.WriteStartObject();

        // Milliseconds and Z, as the text format's timestamps: Elasticsearch's default date format reads it.
        Span<char> stamp = stackalloc char[32];
        timestamp.UtcDateTime.TryFormat(stamp, out int stampLength, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        json.WriteString(s_timestamp, stamp[..stampLength]);

        json.WriteStartObject(s_log);
        json.WriteString(s_level, LevelName(level));
        WriteText(json, s_logger, logger);
        json.WriteEndObject();

        WriteText(json, s_message, string.IsNullOrEmpty(message) ? exception?.Message ?? string.Empty : message);

        // An EventId is how a [LoggerMessage] names its message: the number as event.code (a keyword in ECS), the
        // name as event.action. The default EventId (0, no name) says nothing and is left out.
        bool hasCode = eventId.Id != 0, hasAction = !string.IsNullOrEmpty(eventId.Name);
        if (hasCode || hasAction)
        {
            json.WriteStartObject(s_event);
            if (hasCode)
            {
                Span<char> code = stackalloc char[11];
                eventId.Id.TryFormat(code, out int codeLength, provider: CultureInfo.InvariantCulture);
                json.WriteString(s_code, code[..codeLength]);
            }
            if (hasAction)
            {
                WriteText(json, s_action, eventId.Name!);
            }
            json.WriteEndObject();
        }

        if (exception is not null)
        {
            json.WriteStartObject(s_error);
            WriteText(json, s_type, exception.GetType().FullName ?? exception.GetType().Name);
            WriteText(json, s_message, exception.Message);
            // ToString, not StackTrace alone: it carries the inner exceptions and their traces, as the text format prints them.
            WriteText(json, s_stackTrace, exception.ToString());
            json.WriteEndObject();
        }

        json.WriteStartObject(s_ecs);
        json.WriteString(s_version, EcsVersion);
        json.WriteEndObject();
        json.WriteStartObject(s_service);
        json.WriteString(s_name, ServiceName);
        json.WriteEndObject();
        json.WriteStartObject(s_process);
        json.WriteNumber(s_pid, processId);
        json.WriteEndObject();

        json.WriteEndObject();
    }

    /// <summary>
    /// A string through UTF-8 first: the encoder turns a lone surrogate (text cut in the middle of a pair, a file name
    /// that was not UTF-8) into U+FFFD, where <see cref="Utf8JsonWriter"/> would throw — and a log line must not.
    /// </summary>
    private static void WriteText(Utf8JsonWriter json, JsonEncodedText name, string value)
    {
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(value.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(value, utf8);
            json.WriteString(name, utf8.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }
}
