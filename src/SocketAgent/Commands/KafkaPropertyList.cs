namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>--kafka-property key=value</c> (repeatable), as correlate and map take it: librdkafka settings passed through
/// (TLS, SASL). One parser so both commands accept and refuse the same things.
/// </summary>
internal static class KafkaPropertyList
{
    /// <summary>The properties as a map, or the first one that is not key=value.</summary>
    public static bool TryParse(IEnumerable<string> properties, out Dictionary<string, string> map, out string? invalid)
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
