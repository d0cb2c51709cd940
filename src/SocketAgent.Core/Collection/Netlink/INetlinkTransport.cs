namespace SocketAgent.Collection.Netlink;

/// <summary>
/// The two operations a netlink dump needs. <see cref="NetlinkSocket"/> is the real one; tests replay
/// captured or synthetic datagrams through it.
/// </summary>
internal interface INetlinkTransport
{
    /// <summary>Sends one request datagram to the kernel.</summary>
    void Send(ReadOnlySpan<byte> request);

    /// <summary>Receives one datagram (one or more whole netlink messages) into <paramref name="buffer"/>; 0 means no more data.</summary>
    int Receive(Span<byte> buffer);
}
