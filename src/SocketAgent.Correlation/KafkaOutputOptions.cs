namespace SocketAgent.Correlation;

/// <summary>Where <c>correlate --output kafka</c> writes, exactly once: the topic, the state topic, the transactional id.</summary>
internal sealed class KafkaOutputOptions
{
    /// <value><c>socket-agent.connections</c>.</value>
    public string Topic { get; init; } = DefaultTopic;

    public const string DefaultTopic = "socket-agent.connections";

    /// <summary>
    /// Where each input partition's committed state goes (record per transaction, written to the input partition's
    /// number): it needs at least as many partitions as the input topic. Default <c>GROUP.state</c>.
    /// </summary>
    public required string StateTopic { get; init; }

    /// <summary>
    /// This member's producer identity. Unique per live member (two members with one id fence each other); stable
    /// across restarts where it can be (a StatefulSet's pod name) so a restarted member aborts its predecessor's open
    /// transaction at once instead of after <see cref="TransactionTimeout"/>.
    /// </summary>
    public required string TransactionalId { get; init; }

    /// <summary>How long the broker lets a transaction stay open before aborting it (a member killed mid-transaction holds readers back that long).</summary>
    /// <value>30 s.</value>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long (event time, after its end) a written connection is still taken as written by the next owner of its
    /// partition: the same as the join's own memory of written connections (<see cref="CorrelationOptions.EmittedRetention"/>).
    /// </summary>
    /// <value>1 h.</value>
    public TimeSpan WrittenRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long one transactional call (init, send offsets, commit, abort) or one state read-back may take.</summary>
    /// <value>60 s.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The default transactional id: the group, the host and the process, unique per live member.</summary>
    public static string DefaultTransactionalId(string group) => $"{group}-{Environment.MachineName}-{Environment.ProcessId}";
}
