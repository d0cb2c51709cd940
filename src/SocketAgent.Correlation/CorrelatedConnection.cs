namespace SocketAgent.Correlation;

/// <summary>
/// One connection as written: the client's and the server's end (either may be missing: one-sided), the addresses,
/// its life and the bytes each way. Built from a <see cref="ConnectionEntry"/> by <see cref="ConnectionRoles"/>.
/// </summary>
internal readonly struct CorrelatedConnection
{
    public required CommunityKey Key { get; init; }
    public required ConnectionEnd? Client { get; init; }
    public required ConnectionEnd? Server { get; init; }
    public required EndpointAddress ClientAddress { get; init; }
    public required EndpointAddress ServerAddress { get; init; }
    public required long Start { get; init; }

    /// <summary>The last close seen, or <see cref="EventTimestamp.Unknown"/> when no end closed.</summary>
    public required long End { get; init; }

    /// <summary>Every end seen closed.</summary>
    public required bool Closed { get; init; }

    /// <summary>Payload bytes client → server, or -1 (no counter seen: a UDP flow without the eBPF source).</summary>
    public required long ClientBytes { get; init; }

    /// <summary>Payload bytes server → client, or -1.</summary>
    public required long ServerBytes { get; init; }

    /// <summary>
    /// Where its events were read: an <see cref="OffsetTracker"/> index in the Kafka mode, -1 from files. The
    /// transactional writer records the connection as written for that partition.
    /// </summary>
    public int Partition { get; init; }

    public int Sides => (Client is null ? 0 : 1) + (Server is null ? 0 : 1);
}
