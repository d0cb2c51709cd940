using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace SocketAgent.Model;

/// <summary>
/// Community ID v1 flow hashing (https://github.com/corelight/community-id-spec), the ECS
/// <c>network.community_id</c>: the same string for both ends of a flow, so a socket seen here can be
/// joined with Zeek, Suricata or another host's agent by plain string comparison.
/// </summary>
public static class CommunityId
{
    public const byte ProtocolTcp = 6;
    public const byte ProtocolUdp = 17;

    // seed(2) + saddr(16) + daddr(16) + proto(1) + pad(1) + sport(2) + dport(2)
    private const int MaxInputLength = 40;

    /// <summary>The length of a Community ID: "1:" and the base64 of a 20-byte SHA-1 (28 characters).</summary>
    public const int MaxUtf8Length = 30;

    /// <summary>
    /// The Community ID of the flow, or <see langword="null"/> when it has none: a protocol other than TCP
    /// or UDP, a missing or wildcard remote end (listeners, unconnected UDP), or one IPv4 and one IPv6 end.
    /// </summary>
    public static string? Compute(byte protocol, IPAddress source, int sourcePort, IPAddress destination, int destinationPort, ushort seed = 0)
    {
        Span<byte> utf8 = stackalloc byte[MaxUtf8Length];
        return TryFormat(protocol, source, sourcePort, destination, destinationPort, utf8, out int written, seed)
            ? System.Text.Encoding.ASCII.GetString(utf8[..written])
            : null;
    }

    /// <summary>
    /// Writes the Community ID of the flow as UTF-8 into <paramref name="utf8Destination"/> (at least
    /// <see cref="MaxUtf8Length"/> bytes) without allocating; false when the flow has none (see <see cref="Compute(byte, IPAddress, int, IPAddress, int, ushort)"/>).
    /// </summary>
    public static bool TryFormat(byte protocol, IPAddress source, int sourcePort, IPAddress destination, int destinationPort, Span<byte> utf8Destination, out int bytesWritten, ushort seed = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        bytesWritten = 0;

        if ((protocol != ProtocolTcp && protocol != ProtocolUdp) ||
            (uint)sourcePort > ushort.MaxValue || (uint)destinationPort > ushort.MaxValue ||
            destinationPort == 0 || sourcePort == 0)
        {
            return false;
        }

        Span<byte> src = stackalloc byte[16];
        Span<byte> dst = stackalloc byte[16];
        if (!TryGetAddressBytes(source, src, out int srcLength) ||
            !TryGetAddressBytes(destination, dst, out int dstLength) ||
            srcLength != dstLength)
        {
            return false;
        }

        src = src[..srcLength];
        dst = dst[..dstLength];

        // The wildcard address is never the peer of a real flow; it is how the kernel reports "no remote".
        if (dst.IndexOfAnyExcept((byte)0) < 0 || src.IndexOfAnyExcept((byte)0) < 0)
        {
            return false;
        }

        // Order the endpoints so both directions hash the same: smaller address first, then smaller port.
        int order = src.SequenceCompareTo(dst);
        if (order > 0 || (order == 0 && sourcePort > destinationPort))
        {
            Span<byte> swap = src;
            src = dst;
            dst = swap;
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }

        Span<byte> input = stackalloc byte[MaxInputLength];
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        int offset = 2;
        src.CopyTo(input[offset..]);
        offset += src.Length;
        dst.CopyTo(input[offset..]);
        offset += dst.Length;
        input[offset++] = protocol;
        input[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[offset..], (ushort)sourcePort);
        offset += 2;
        BinaryPrimitives.WriteUInt16BigEndian(input[offset..], (ushort)destinationPort);
        offset += 2;

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        HashOneBlock(input[..offset], hash);

        utf8Destination[0] = (byte)'1';
        utf8Destination[1] = (byte)':';
        System.Buffers.Text.Base64.EncodeToUtf8(hash, utf8Destination[2..], out _, out int written);
        bytesWritten = 2 + written;
        return true;
    }

    /// <summary>
    /// The Community ID of a TCP or UDP socket's flow, from its local and remote ends; <see langword="null"/>
    /// for other transports and for sockets without a remote end.
    /// </summary>
    public static string? Compute(SocketRecord record, ushort seed = 0)
    {
        ArgumentNullException.ThrowIfNull(record);

        byte protocol = record.Transport switch
        {
            Transport.Tcp => ProtocolTcp,
            Transport.Udp => ProtocolUdp,
            _ => 0,
        };

        if (protocol == 0 || record.LocalAddress is null || record.RemoteAddress is null)
        {
            return null;
        }

        return Compute(protocol, record.LocalAddress, record.LocalPort, record.RemoteAddress, record.RemotePort, seed);
    }

    /// <summary>As <see cref="Compute(SocketRecord, ushort)"/>, written as UTF-8 without allocating.</summary>
    public static bool TryFormat(SocketRecord record, Span<byte> utf8Destination, out int bytesWritten, ushort seed = 0)
    {
        ArgumentNullException.ThrowIfNull(record);
        bytesWritten = 0;

        byte protocol = record.Transport switch
        {
            Transport.Tcp => ProtocolTcp,
            Transport.Udp => ProtocolUdp,
            _ => 0,
        };

        return protocol != 0 && record.LocalAddress is not null && record.RemoteAddress is not null
            && TryFormat(protocol, record.LocalAddress, record.LocalPort, record.RemoteAddress, record.RemotePort, utf8Destination, out bytesWritten, seed);
    }

    /// <summary>
    /// SHA-1 of an input short enough for one 64-byte block (at most 55 bytes; a Community ID input is at most 40).
    /// Every socket line of the daemon hashes its flow: the platform's SHA-1 goes through OpenSSL, whose one-shot call
    /// costs more in context setup and error-queue clearing than the single compression round here (FIPS 180-4, 6.1.2).
    /// </summary>
    /// <remarks>
    /// Kept because it measures faster than <see cref="SHA1.HashData(ReadOnlySpan{byte}, Span{byte})"/>
    /// (tests/SocketAgent.Benchmarks, CommunityIdHashBenchmarks, --job short --inProcess, 15 iterations; 2-core Debian 12
    /// VM, AMD EPYC 2.1 GHz, .NET 10.0.12, machine idle): IPv4 input (16 bytes) 203 ns here vs 424 ns (2.1x), IPv6 input
    /// (40 bytes) 254 ns vs 677 ns (2.7x), no allocation either way. Under heavy load from other builds it was still
    /// 1.6x / 2.3x. Re-run it before replacing this with the library call; <c>SocketLineEncoderIdentityTests</c> checks
    /// it against SHA1.HashData.
    /// </remarks>
    internal static void HashOneBlock(ReadOnlySpan<byte> input, Span<byte> hash)
    {
        System.Diagnostics.Debug.Assert(input.Length <= 55 && hash.Length >= SHA1.HashSizeInBytes);

        // The padded block: the message, 0x80, zeros, and the message length in bits as a big-endian u64.
        Span<byte> block = stackalloc byte[64];
        block.Clear();
        input.CopyTo(block);
        block[input.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)input.Length * 8);

        Span<uint> w = stackalloc uint[80];
        for (int t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        }
        for (int t = 16; t < 80; t++)
        {
            w[t] = uint.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }

        uint a = 0x67452301, b = 0xEFCDAB89, c = 0x98BADCFE, d = 0x10325476, e = 0xC3D2E1F0;
        for (int t = 0; t < 80; t++)
        {
            uint f, k;
            if (t < 20)
            {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            }
            else if (t < 40)
            {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            }
            else if (t < 60)
            {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            }
            else
            {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            uint temp = uint.RotateLeft(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = uint.RotateLeft(b, 30);
            b = a;
            a = temp;
        }

        BinaryPrimitives.WriteUInt32BigEndian(hash, 0x67452301 + a);
        BinaryPrimitives.WriteUInt32BigEndian(hash[4..], 0xEFCDAB89 + b);
        BinaryPrimitives.WriteUInt32BigEndian(hash[8..], 0x98BADCFE + c);
        BinaryPrimitives.WriteUInt32BigEndian(hash[12..], 0x10325476 + d);
        BinaryPrimitives.WriteUInt32BigEndian(hash[16..], 0xC3D2E1F0 + e);
    }

    private static bool TryGetAddressBytes(IPAddress address, Span<byte> destination, out int length)
    {
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) ||
            !address.TryWriteBytes(destination, out length))
        {
            length = 0;
            return false;
        }

        // The spec hashes an IPv4 client of a dual-stack listener as the IPv4 flow it is on the wire.
        if (length == 16 && address.IsIPv4MappedToIPv6)
        {
            destination.Slice(12, 4).CopyTo(destination);
            length = 4;
        }

        return true;
    }
}
