namespace SocketAgent.Collection.Rtnetlink;

/// <summary>What a message parser made of one rtnetlink message.</summary>
internal enum RtnetlinkParseResult
{
    /// <summary>A record was produced.</summary>
    Parsed,

    /// <summary>A well-formed message the caller does not want (another family, a cloned route): no record, no error.</summary>
    Ignored,

    /// <summary>The message is truncated or inconsistent: skipped and counted.</summary>
    Malformed,
}
