namespace SocketAgent.Collection.Netlink;

/// <summary>
/// The side of a dump that <see cref="NetlinkDumpRunner"/> leaves to its user: the request, what to make of each data
/// message, and how to take back an attempt the kernel flagged interrupted.
/// </summary>
internal interface INetlinkDump : INetlinkMessageConsumer
{
    /// <summary>Writes the request of the dump being run, numbered <paramref name="sequence"/>; returns its length.</summary>
    int WriteRequest(Span<byte> destination, uint sequence);

    /// <summary>An attempt starts: remember where its messages begin.</summary>
    void BeginAttempt();

    /// <summary>The attempt that just ended is redone: drop what its messages added.</summary>
    void DiscardAttempt();
}
