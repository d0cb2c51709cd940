namespace SocketAgent.Cli.Logging;

/// <summary>
/// How the agent writes its own log lines on stderr (<c>log.format</c>, <c>--log-format</c>). stdout carries data
/// either way; this only shapes the diagnostics.
/// </summary>
internal enum LogFormat
{
    /// <summary>One plain line per message, as the agent always wrote them (the default).</summary>
    Text,

    /// <summary>One ECS JSON document per line (<see cref="EcsLogDocument"/>), for a log shipper to index as is.</summary>
    Json,
}

/// <summary>The setting's spellings: the names are what the config file, the environment and the flag accept.</summary>
internal static class LogFormats
{
    public const string Expected = "text or json";

    /// <summary>The format named <paramref name="text"/> (exact, lower case, as the other enumerated settings), or null.</summary>
    public static LogFormat? Parse(string text) => text switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => null,
    };

    public static string Name(LogFormat format) => format == LogFormat.Json ? "json" : "text";
}
