using System.Buffers.Binary;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Walks <c>rtattr</c>/<c>nlattr</c> records (u16 length including the 4-byte header, u16 type, payload,
/// padded to 4 bytes). Stops, with <see cref="IsMalformed"/> set, at the first length that does not fit.
/// </summary>
internal ref struct NetlinkAttributeReader
{
    private const int HeaderSize = 4;

    // NLA_F_NESTED and NLA_F_NET_BYTEORDER share the type field; callers want the bare type.
    private const ushort TypeMask = 0x3FFF;

    private ReadOnlySpan<byte> _remaining;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    public bool IsMalformed { get; private set; }

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_remaining.Length < HeaderSize)
        {
            IsMalformed |= !_remaining.IsEmpty;
            _remaining = default;
            return false;
        }

        ushort length = BinaryPrimitives.ReadUInt16LittleEndian(_remaining);
        if (length < HeaderSize || length > _remaining.Length)
        {
            IsMalformed = true;
            _remaining = default;
            return false;
        }

        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_remaining[2..]) & TypeMask);
        value = _remaining[HeaderSize..length];

        int next = NetlinkProtocol.Align(length);
        _remaining = next >= _remaining.Length ? default : _remaining[next..];
        return true;
    }
}
