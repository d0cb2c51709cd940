namespace SocketAgent.Delivery.Kafka;

/// <summary>
/// Settings of the <c>kafka</c> output. The defaults make the producer idempotent, wait for all in-sync replicas,
/// compress with zstd and keep librdkafka's own queue small: the durable spool buffers events, librdkafka only
/// holds what is on its way.
/// </summary>
public sealed class KafkaOutputOptions
{
    /// <summary>The default topic of every record whose dataset has no entry in <see cref="TopicsByDataset"/>.</summary>
    public const string DefaultTopic = "socket-agent.events";

    /// <summary>librdkafka's <c>bootstrap.servers</c>: <c>host:port[,host:port...]</c>. Required.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>The topic of records whose dataset is not mapped. <value>The default is <c>socket-agent.events</c>.</value></summary>
    public string Topic { get; set; } = DefaultTopic;

    /// <summary><c>event.dataset</c> → topic (for example <c>socket</c> → <c>socket-agent.sockets</c>).</summary>
    public IDictionary<string, string> TopicsByDataset { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// When set, every record that has a Community ID is also produced to this topic, keyed by the Community ID, so
    /// both ends of a flow (seen by two agents) land in one partition. That second copy is best effort: its outcome
    /// does not move the spool's watermark (it is resent only when the primary copy is).
    /// </summary>
    public string? FlowTopic { get; set; }

    /// <summary>librdkafka's <c>compression.type</c>: <c>zstd</c>, <c>lz4</c>, <c>snappy</c>, <c>gzip</c> or <c>none</c>. <value>The default is <c>zstd</c>.</value></summary>
    public string Compression { get; set; } = "zstd";

    /// <summary>
    /// librdkafka's <c>queue.buffering.max.messages</c>: when this many messages wait in librdkafka, <c>Produce</c>
    /// returns false and the delivery loop backs off. Flow copies count too. <value>The default is 10,000.</value>
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 10_000;

    /// <summary>librdkafka's <c>queue.buffering.max.kbytes</c>: the byte bound of the same queue. <value>The default is 65,536 (64 MiB).</value></summary>
    public int MaxQueuedKilobytes { get; set; } = 64 * 1024;

    /// <summary>
    /// librdkafka's <c>message.timeout.ms</c>: a record not confirmed within it is reported
    /// <see cref="DeliveryOutcome.Retriable"/> and resent from the spool. <value>The default is 30 seconds.</value>
    /// </summary>
    public TimeSpan MessageTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>librdkafka's <c>linger.ms</c>: how long a batch waits to fill. <value>The default is 10 ms.</value></summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The value of the <c>schema.version</c> header (the JSON-lines schema, <c>urn:socket-agent:schema:jsonl:1</c>). <value>The default is <c>1</c>.</value></summary>
    public string SchemaVersion { get; set; } = "1";

    /// <summary>
    /// Any librdkafka property (<c>security.protocol</c>, <c>ssl.ca.location</c>, <c>sasl.mechanism</c>,
    /// <c>sasl.username</c>, ...), applied over the settings above. <c>enable.idempotence</c> and <c>acks</c> cannot
    /// be weakened: per-host order and the watermark depend on them.
    /// </summary>
    public IDictionary<string, string> Properties { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The topic of a record's primary copy.</summary>
    internal string TopicFor(string dataset)
        => TopicsByDataset.TryGetValue(dataset, out string? topic) ? topic : Topic;
}
