using Microsoft.Extensions.Logging;

namespace SocketAgent.Cli.Logging;

/// <summary>
/// The diagnostics the agent writes on stderr itself, outside <see cref="ILogger"/>: the daemon's lines before its
/// host (and logger) exists — the state directory, the eBPF fallback — and <c>--once</c>'s warnings, which has no
/// host. In <see cref="LogFormat.Text"/> they stay what they always were (<c>socket-agent: warning: …</c>); in
/// <see cref="LogFormat.Json"/> they are the same ECS documents the daemon's logger writes, so a shipper reading
/// stderr meets one format from the first line on.
/// </summary>
internal sealed class StderrLog
{
    /// <summary><c>log.logger</c> of these lines: the category the daemon's own messages are logged under.</summary>
    public const string Category = "SocketAgent";

    private static readonly int s_processId = Environment.ProcessId;

    private readonly TextWriter _error;
    private readonly TimeProvider _time;

    public StderrLog(LogFormat format, TextWriter error, TimeProvider? time = null)
    {
        Format = format;
        _error = error;
        _time = time ?? TimeProvider.System;
    }

    public LogFormat Format { get; }

    /// <summary>Text: <c>socket-agent: warning: MESSAGE</c>.</summary>
    public void Warning(string message) => Write(LogLevel.Warning, "warning", message);

    /// <summary>Text: <c>socket-agent: error: MESSAGE</c>; the exception shows in JSON only (<c>error.*</c>), as the text line never had it.</summary>
    public void Error(string message, Exception? exception = null) => Write(LogLevel.Error, "error", message, exception);

    /// <summary>Text: <c>socket-agent: notice: MESSAGE</c> (something degraded on purpose, not wrong).</summary>
    public void Notice(string message) => Write(LogLevel.Information, "notice", message);

    /// <param name="label">What the text line says after <c>socket-agent:</c> (<c>warning</c>, <c>--netns</c>).</param>
    public void Write(LogLevel level, string label, string message, Exception? exception = null)
    {
        if (Format == LogFormat.Json)
        {
            EcsLogDocument.WriteLine(_error, _time.GetUtcNow(), level, Category, message, default, exception, s_processId);
        }
        else
        {
            _error.WriteLine($"socket-agent: {label}: {message}");
        }
    }
}
