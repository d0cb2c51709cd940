namespace SocketAgent.Correlation.Map;

/// <summary>Where <c>socket-agent map</c> reads connection lines from Kafka.</summary>
internal sealed class MapKafkaOptions
{
    /// <summary>The topic correlate's <c>--output kafka</c> writes to.</summary>
    public const string DefaultTopic = "socket-agent.connections";

    public required string BootstrapServers { get; init; }
    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>librdkafka consumer properties passed through (TLS, SASL); they override the reader's own settings.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>How long to wait for the cluster's metadata (the topic's partitions) before giving up.</summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
