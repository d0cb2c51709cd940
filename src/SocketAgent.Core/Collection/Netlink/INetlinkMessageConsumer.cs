namespace SocketAgent.Collection.Netlink;

/// <summary>Receives the data messages of a dump (everything but NOOP, DONE and ERROR), in order.</summary>
internal interface INetlinkMessageConsumer
{
    void OnMessage(ushort type, ReadOnlySpan<byte> payload);
}
