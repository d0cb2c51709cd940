using System.Security.Cryptography;

namespace SocketAgent.Correlation;

/// <summary>
/// A connection line's <c>event.id</c>: a name-based UUID (RFC 9562 version 5, SHA-1) over what identifies the
/// connection — its community id and transport, the earliest start seen, and the pair of hosts. Any member that
/// writes the connection from the same events, before or after a crash or a rebalance, derives the same id, so
/// Elasticsearch (<c>_id</c>) or a compacted topic keeps one copy of a line written twice.
/// </summary>
internal static class ConnectionId
{
    /// <summary>The namespace of socket-agent's connection ids (a fixed random UUID; changing it changes every id).</summary>
    private static readonly Guid s_namespace = new("6f1c9f0e-2b5d-4c1a-9a57-3e0d8b4f7a21");

    public static Guid Derive(in CorrelatedConnection connection) =>
        Derive(connection.Key, connection.Start, Host(connection.Client, connection.ClientAddress), Host(connection.Server, connection.ServerAddress));

    /// <summary>
    /// The id of a connection: the hosts are taken as an unordered pair, so which end was resolved as the client does
    /// not change it.
    /// </summary>
    public static Guid Derive(CommunityKey key, long start, ReadOnlySpan<byte> hostA, ReadOnlySpan<byte> hostB)
    {
        if (hostA.SequenceCompareTo(hostB) > 0)
        {
            ReadOnlySpan<byte> swap = hostA;
            hostA = hostB;
            hostB = swap;
        }
        // namespace (16) | community id text (30) | transport (1) | start, ns (8) | len A (4) | A | len B (4) | B
        int length = 16 + 30 + 1 + 8 + 4 + hostA.Length + 4 + hostB.Length;
        byte[]? rented = length > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> name = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        try
        {
            s_namespace.TryWriteBytes(name, bigEndian: true, out _);
            int at = 16 + key.Format(name[16..]);
            name[at++] = (byte)key.Transport;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(name[at..], start);
            at += 8;
            at = Append(name, at, hostA);
            at = Append(name, at, hostB);

            Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
            SHA1.HashData(name[..at], hash);
            hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
            return new Guid(hash[..16], bigEndian: true);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Append(Span<byte> name, int at, ReadOnlySpan<byte> value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(name[at..], value.Length);
        at += 4;
        value.CopyTo(name[at..]);
        return at + value.Length;
    }

    /// <summary>
    /// A side's host: its agent's <c>host.name</c> (the JSON text as reported), else its agent id; an end no agent
    /// watches is named by its address.
    /// </summary>
    private static ReadOnlySpan<byte> Host(ConnectionEnd? end, EndpointAddress address)
    {
        if (end is not null)
        {
            return end.HostName ?? end.AgentId;
        }
        byte[] ip = new byte[64];
        return ip.AsSpan(0, address.FormatIp(ip));
    }
}
