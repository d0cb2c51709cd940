namespace SocketAgent.Correlation;

/// <summary>What <see cref="SocketEventReader"/> made of one line.</summary>
internal enum SocketEventParseResult : byte
{
    /// <summary>A TCP or UDP connection event with a community id, an agent and both endpoints: joinable.</summary>
    Connection,

    /// <summary>Valid JSON, but nothing to join: another dataset, a listener, a UNIX socket, loopback, a blank line.</summary>
    Ignored,

    /// <summary>Not one JSON object, or a connection event without the fields the join needs.</summary>
    Invalid,
}
