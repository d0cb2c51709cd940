using System.CommandLine;

namespace SocketAgent.Cli.Logging;

/// <summary>
/// <c>--log-format</c>, taken as text and validated with the other settings (<c>log.format</c>), so a bad value gets
/// the same one-line refusal and exit code 2 wherever it was set.
/// </summary>
internal sealed class LogOptions
{
    public const string SettingKey = "log:format";

    public Option<string?> Format { get; } = new("--log-format")
    {
        Description = "How the agent's own log lines on stderr look: text (default, one plain line each) or json (one ECS document per line: @timestamp, log.level, log.logger, message, error.*). stdout is data either way. Example: socket-agent --log-format json",
        HelpName = "text|json",
    };

    public void AddTo(Command command) => command.Add(Format);
}
