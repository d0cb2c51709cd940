namespace SocketAgent.Cli.Configuration;

/// <summary><c>outputs</c>, <c>file.*</c>, <c>kafka.*</c>, <c>spool.*</c>: where the event lines go.</summary>
internal sealed class OutputOptions
{
    /// <summary><c>outputs</c>: stdout, file, kafka — one or several (--output, repeatable).</summary>
    public IReadOnlyList<string> Kinds { get; set; } = ["stdout"];

    /// <summary><c>file.path</c> (--file-path).</summary>
    public string FilePath { get; set; } = "/var/log/socket-agent/events.jsonl";

    /// <summary><c>file.max_bytes</c>: rotate when the file would grow past this.</summary>
    public long FileMaxBytes { get; set; } = 100L << 20;

    /// <summary><c>file.max_age</c>: rotate a file older than this.</summary>
    public TimeSpan FileMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary><c>file.keep</c>: rotated files kept.</summary>
    public int FileKeep { get; set; } = 7;

    /// <summary><c>file.compress</c>: gzip rotated files.</summary>
    public bool FileCompress { get; set; }

    /// <summary><c>kafka.bootstrap_servers</c> (--kafka-bootstrap-servers).</summary>
    public string KafkaBootstrapServers { get; set; } = string.Empty;

    /// <summary><c>kafka.topic</c> (--kafka-topic).</summary>
    public string KafkaTopic { get; set; } = "socket-agent.events";

    /// <summary><c>kafka.topics</c>: dataset=topic pairs overriding the topic per event.dataset.</summary>
    public IReadOnlyDictionary<string, string> KafkaTopics { get; set; } = new Dictionary<string, string>();

    /// <summary><c>kafka.flow_topic</c>: a second topic keyed by network.community_id (empty: none).</summary>
    public string KafkaFlowTopic { get; set; } = string.Empty;

    /// <summary><c>kafka.compression</c>: zstd, lz4, gzip, snappy or none.</summary>
    public string KafkaCompression { get; set; } = "zstd";

    /// <summary><c>kafka.properties</c>: any librdkafka property as key=value (TLS, SASL…).</summary>
    public IReadOnlyDictionary<string, string> KafkaProperties { get; set; } = new Dictionary<string, string>();

    /// <summary><c>spool.max_bytes</c>: the durable spool's size bound; past it the newest events are dropped and a loss event says which.</summary>
    public long SpoolMaxBytes { get; set; } = 256L << 20;

    public bool Has(string kind) => Kinds.Contains(kind, StringComparer.Ordinal);
}
