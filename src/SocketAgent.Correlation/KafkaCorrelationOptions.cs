namespace SocketAgent.Correlation;

/// <summary>Where the Kafka mode reads: the cluster, the topics, the consumer group, and librdkafka properties passed through.</summary>
internal sealed class KafkaCorrelationOptions
{
    public required string BootstrapServers { get; init; }
    public required IReadOnlyList<string> Topics { get; init; }

    /// <value><c>socket-agent-correlate</c>.</value>
    public string GroupId { get; init; } = "socket-agent-correlate";

    /// <summary>Any librdkafka consumer property (TLS, SASL…), applied last.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// How long the group waits for a silent member (killed, hung, cut off) before its partitions go to the others.
    /// </summary>
    /// <value>10 s.</value>
    public TimeSpan SessionTimeout { get; init; } = DefaultSessionTimeout;

    public static readonly TimeSpan DefaultSessionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often the committable offsets are committed.</summary>
    /// <value>1 s.</value>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);
}
