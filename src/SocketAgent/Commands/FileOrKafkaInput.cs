using System.CommandLine;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// What correlate and map read: files (or stdin) or a Kafka topic, never both, and librdkafka settings passed
/// through with <c>--kafka-property key=value</c>. One place, so both commands accept and refuse the same things.
/// </summary>
internal static class FileOrKafkaInput
{
    /// <summary><c>--kafka-property</c> (repeatable).</summary>
    public static Option<string[]> KafkaPropertyOption() => new("--kafka-property")
    {
        Description = "A librdkafka consumer property, passed through (repeatable): TLS, SASL. Example: --kafka-property security.protocol=SASL_SSL",
    };

    /// <summary>
    /// Why the input given to <paramref name="command"/> is bad usage (exit 2), or null: a mistyped option, which the
    /// file argument would take as a missing file (exit 1; a file whose name starts with '-' is given as ./-name), no
    /// input at all, or both inputs.
    /// </summary>
    /// <param name="files">What the files are, for the message: "event files", "connection files".</param>
    public static string? Problem(string command, string[] paths, string? bootstrapServers, string files)
    {
        if (paths.FirstOrDefault(static p => p.Length > 1 && p[0] == '-') is { } unknown)
        {
            return $"{command}: unknown option '{unknown}'";
        }
        if (bootstrapServers is null && paths.Length == 0)
        {
            return $"{command}: give {files} (- for stdin) or --kafka-bootstrap-servers";
        }
        return bootstrapServers is not null && paths.Length > 0 ? $"{command}: read either files or Kafka, not both" : null;
    }

    /// <summary>The properties as a map, or the first one that is not key=value.</summary>
    public static bool TryParseProperties(IEnumerable<string> properties, out Dictionary<string, string> map, out string? invalid)
    {
        map = new Dictionary<string, string>(StringComparer.Ordinal);
        invalid = null;
        foreach (string property in properties)
        {
            int equals = property.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                invalid = property;
                return false;
            }
            map[property[..equals]] = property[(equals + 1)..];
        }
        return true;
    }
}
