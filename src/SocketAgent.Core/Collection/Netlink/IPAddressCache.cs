using System.Buffers.Binary;
using System.Net;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Shares one <see cref="IPAddress"/> per distinct address within a collection pass: on a busy host most sockets
/// carry the same few addresses (127.0.0.1, the host's own, 0.0.0.0), so this saves most address allocations.
/// The cache stops growing at <see cref="MaxEntries"/> so a host talking to many peers costs no more than before.
/// Instances are shared between records: nothing may mutate them (e.g. <see cref="IPAddress.ScopeId"/>).
/// </summary>
internal sealed class IPAddressCache
{
    public const int MaxEntries = 4096;

    private readonly Dictionary<uint, IPAddress> _v4 = [];
    private readonly Dictionary<UInt128, IPAddress> _v6 = [];

    /// <param name="address">The four network-order bytes of an IPv4 address.</param>
    public IPAddress GetV4(ReadOnlySpan<byte> address)
    {
        // Host order of the raw bytes is fine as a key: it only has to be unique.
        uint key = BinaryPrimitives.ReadUInt32LittleEndian(address);
        if (key == 0)
        {
            return IPAddress.Any;
        }

        if (!_v4.TryGetValue(key, out IPAddress? cached))
        {
            cached = new IPAddress(address[..4]);
            if (_v4.Count < MaxEntries)
            {
                _v4.Add(key, cached);
            }
        }

        return cached;
    }

    /// <param name="address">The sixteen network-order bytes of an IPv6 address.</param>
    public IPAddress GetV6(ReadOnlySpan<byte> address)
    {
        UInt128 key = BinaryPrimitives.ReadUInt128LittleEndian(address);
        if (key == UInt128.Zero)
        {
            return IPAddress.IPv6Any;
        }

        if (!_v6.TryGetValue(key, out IPAddress? cached))
        {
            cached = new IPAddress(address[..16]);
            if (_v6.Count < MaxEntries)
            {
                _v6.Add(key, cached);
            }
        }

        return cached;
    }
}
