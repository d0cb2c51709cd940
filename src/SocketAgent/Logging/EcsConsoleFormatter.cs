using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace SocketAgent.Cli.Logging;

/// <summary>
/// The console logger's formatter for <c>--log-format json</c>: each message as one <see cref="EcsLogDocument"/> line.
/// Registered as a <see cref="ConsoleFormatter"/> service and chosen by name (<see cref="FormatterName"/>), not with
/// <c>AddConsoleFormatter&lt;TFormatter, TOptions&gt;</c>: that one binds its options from configuration by
/// reflection (RequiresUnreferencedCode), and this formatter has no options to bind.
/// </summary>
internal sealed class EcsConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "ecs";

    private static readonly int s_processId = Environment.ProcessId;

    private readonly TimeProvider _time;

    /// <param name="time">The clock of <c>@timestamp</c> (the message's arrival, as the simple formatter stamps it).</param>
    public EcsConsoleFormatter(TimeProvider time)
        : base(FormatterName)
    {
        _time = time;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string? message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }
        EcsLogDocument.WriteLine(textWriter, _time.GetUtcNow(), logEntry.LogLevel, logEntry.Category, message, logEntry.EventId, logEntry.Exception, s_processId);
    }
}
