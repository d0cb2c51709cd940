using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SocketAgent.Model;

namespace SocketAgent.Benchmarks;

/// <summary>
/// The SHA-1 under every Community ID (one per TCP/UDP socket line): the hand-written single-block compression
/// (<c>CommunityId.HashOneBlock</c>) against the platform's one-shot <see cref="SHA1.HashData(ReadOnlySpan{byte}, Span{byte})"/>
/// (OpenSSL on Linux), on the exact inputs the spec hashes: 16 bytes for an IPv4 flow, 40 for IPv6 (both one
/// 64-byte block once padded). The hand-written code stays only while it is the faster one.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CommunityIdHashBenchmarks
{
    // seed, saddr, daddr, proto, pad, sport, dport: 128.232.110.120:34855 → 66.35.250.204:80, and an IPv6 pair.
    private readonly byte[] _ipv4 = Input([128, 232, 110, 120], [66, 35, 250, 204], 34855, 80);
    private readonly byte[] _ipv6 = Input(
        [0x20, 0x01, 0x04, 0x70, 0xe5, 0xbf, 0xde, 0xad, 0x49, 0x57, 0x21, 0x74, 0xe8, 0x2c, 0x48, 0x87],
        [0x26, 0x07, 0xf8, 0xb0, 0x40, 0x0c, 0x0c, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x1a], 63943, 25);
    private readonly byte[] _hash = new byte[SHA1.HashSizeInBytes];

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("IPv4")]
    public byte ManagedOneBlock_IPv4()
    {
        CommunityId.HashOneBlock(_ipv4, _hash);
        return _hash[0];
    }

    [Benchmark]
    [BenchmarkCategory("IPv4")]
    public byte Sha1HashData_IPv4()
    {
        SHA1.HashData(_ipv4, _hash);
        return _hash[0];
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("IPv6")]
    public byte ManagedOneBlock_IPv6()
    {
        CommunityId.HashOneBlock(_ipv6, _hash);
        return _hash[0];
    }

    [Benchmark]
    [BenchmarkCategory("IPv6")]
    public byte Sha1HashData_IPv6()
    {
        SHA1.HashData(_ipv6, _hash);
        return _hash[0];
    }

    private static byte[] Input(byte[] source, byte[] destination, ushort sourcePort, ushort destinationPort)
    {
        var input = new byte[2 + source.Length + destination.Length + 6];
        source.CopyTo(input, 2);
        destination.CopyTo(input, 2 + source.Length);
        int at = 2 + source.Length + destination.Length;
        input[at] = CommunityId.ProtocolTcp;
        BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(at + 2), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(at + 4), destinationPort);
        return input;
    }
}
