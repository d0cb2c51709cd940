using System.Buffers.Text;

namespace SocketAgent.Correlation;

/// <summary>
/// A connection's join key: the Community ID v1 hash (decoded from its base64, 20 bytes) and the transport. Both ends
/// of a connection carry the same value on any host, and a value type keeps the join free of per-event strings.
/// </summary>
internal readonly record struct CommunityKey(ulong Hash0, ulong Hash1, uint Hash2, ConnectionTransport Transport)
{
    private const int HashLength = 20;

    /// <summary>Parses <c>1:BASE64</c> (the agent's <c>network.community_id</c>); false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> communityId, ConnectionTransport transport, out CommunityKey key)
    {
        key = default;
        if (communityId.Length != 30 || communityId[0] != (byte)'1' || communityId[1] != (byte)':')
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[HashLength + 1];
        if (Base64.DecodeFromUtf8(communityId[2..], hash, out _, out int written) != System.Buffers.OperationStatus.Done || written != HashLength)
        {
            return false;
        }

        key = new CommunityKey(
            BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]), BitConverter.ToUInt32(hash[16..]), transport);
        return true;
    }

    /// <summary>The hash's first bits: a SHA-1 is already uniform, no need to mix all five fields per lookup.</summary>
    public override int GetHashCode() => (int)Hash0 ^ (int)Transport;

    /// <summary>The <c>1:BASE64</c> text back, as the agents print it.</summary>
    public int Format(Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[HashLength];
        BitConverter.TryWriteBytes(hash, Hash0);
        BitConverter.TryWriteBytes(hash[8..], Hash1);
        BitConverter.TryWriteBytes(hash[16..], Hash2);
        destination[0] = (byte)'1';
        destination[1] = (byte)':';
        Base64.EncodeToUtf8(hash, destination[2..], out _, out int written);
        return written + 2;
    }
}
