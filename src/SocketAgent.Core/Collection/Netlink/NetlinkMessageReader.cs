using System.Buffers.Binary;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Walks the netlink messages of one received datagram. A header whose length is below 16 or runs past the
/// data ends the walk and sets <see cref="IsMalformed"/>: after a bad length nothing later can be trusted.
/// </summary>
internal ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram) => _remaining = datagram;

    /// <summary>True when the walk stopped at a message whose header is inconsistent with the data.</summary>
    public bool IsMalformed { get; private set; }

    public bool TryRead(out NetlinkMessage message)
    {
        message = default;
        if (_remaining.Length < NetlinkProtocol.HeaderSize)
        {
            // Fewer bytes than a header are only legitimate as nothing at all.
            IsMalformed |= !_remaining.IsEmpty;
            _remaining = default;
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_remaining);
        if (length < NetlinkProtocol.HeaderSize || length > (uint)_remaining.Length)
        {
            IsMalformed = true;
            _remaining = default;
            return false;
        }

        message = new NetlinkMessage(
            type: BinaryPrimitives.ReadUInt16LittleEndian(_remaining[4..]),
            flags: BinaryPrimitives.ReadUInt16LittleEndian(_remaining[6..]),
            sequence: BinaryPrimitives.ReadUInt32LittleEndian(_remaining[8..]),
            payload: _remaining[NetlinkProtocol.HeaderSize..(int)length]);

        int next = NetlinkProtocol.Align((int)length);
        _remaining = next >= _remaining.Length ? default : _remaining[next..];
        return true;
    }
}
