using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using SocketAgent.Delivery;

namespace SocketAgent.Spool;

/// <summary>
/// One record in a segment file, little-endian:
/// <c>[u32 payload length][u32 CRC-32C of the payload][payload]</c>, payload =
/// <c>[i64 sequence][u8 n][n bytes dataset, UTF-8][u8 m][m bytes community id, UTF-8; 0 = none][JSON]</c>.
/// The length comes first so a reader can skip, the checksum covers everything a torn or rotten write can damage.
/// </summary>
internal static class SpoolRecordFormat
{
    public const int HeaderBytes = 8;

    /// <summary>sequence + the two length bytes.</summary>
    public const int MinPayloadBytes = 10;

    /// <summary>Far above any event; a larger length field is garbage, not a record.</summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    private const int MaxNameBytes = byte.MaxValue;

    /// <summary>The bytes <paramref name="record"/> takes in a segment, header included.</summary>
    /// <exception cref="ArgumentException">The dataset or Community ID is longer than 255 UTF-8 bytes, or the record is too large.</exception>
    public static int FramedLength(DeliveryRecord record)
    {
        int dataset = NameLength(record.Dataset, nameof(record.Dataset));
        int community = record.CommunityId is null ? 0 : NameLength(record.CommunityId, nameof(record.CommunityId));
        long payload = (long)MinPayloadBytes + dataset + community + record.Json.Length;
        if (payload > MaxPayloadBytes)
        {
            throw new ArgumentException($"a spool record holds at most {MaxPayloadBytes} bytes; this one needs {payload}", nameof(record));
        }
        return HeaderBytes + (int)payload;
    }

    /// <summary>Writes <paramref name="record"/> into <paramref name="destination"/>, exactly <see cref="FramedLength"/> bytes long.</summary>
    public static void Write(DeliveryRecord record, Span<byte> destination)
    {
        Span<byte> payload = destination[HeaderBytes..];
        BinaryPrimitives.WriteInt64LittleEndian(payload, record.Sequence);
        int at = 8;
        at += WriteName(record.Dataset, payload[at..]);
        at += WriteName(record.CommunityId, payload[at..]);
        record.Json.Span.CopyTo(payload[at..]);

        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Checksum(payload));
    }

    /// <summary>
    /// Checks the frame at the start of <paramref name="data"/>. Returns the framed length when a whole valid
    /// record is there, 0 when more bytes are needed to tell (only with <paramref name="more"/>), -1 when it is not a record.
    /// </summary>
    public static int Validate(ReadOnlySpan<byte> data, bool more, out long sequence)
    {
        sequence = 0;
        if (data.Length < HeaderBytes)
        {
            return more ? 0 : -1;
        }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length < MinPayloadBytes || length > MaxPayloadBytes)
        {
            return -1;
        }
        int framed = HeaderBytes + (int)length;
        if (data.Length < framed)
        {
            return more ? 0 : -1;
        }
        ReadOnlySpan<byte> payload = data.Slice(HeaderBytes, (int)length);
        if (Checksum(payload) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return -1;
        }
        // A matching checksum over garbage is a 1 in 2^32 chance; the name lengths must still fit, so decoding never overruns.
        int dataset = payload[8];
        if (MinPayloadBytes + dataset > payload.Length || MinPayloadBytes + dataset + payload[9 + dataset] > payload.Length)
        {
            return -1;
        }
        sequence = BinaryPrimitives.ReadInt64LittleEndian(payload);
        return framed;
    }

    /// <summary>
    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, the checksum of iSCSI, ext4 metadata and Kafka's record
    /// batches): what every spool ever written carries, so the parameter set can never change. System.IO.Hashing has
    /// it from 11.0 (10.0 has only the IEEE CRC-32); its 11.0 package targets net10.0 too.
    /// </summary>
    internal static uint Checksum(ReadOnlySpan<byte> payload) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, payload);

    /// <summary>Decodes one record already validated (written by this process or checked by <see cref="Validate"/>).</summary>
    public static DeliveryRecord Read(ReadOnlySpan<byte> frame, NameCache names)
    {
        ReadOnlySpan<byte> payload = frame[HeaderBytes..(HeaderBytes + (int)BinaryPrimitives.ReadUInt32LittleEndian(frame))];
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(payload);
        int at = 8;
        int datasetLength = payload[at++];
        string dataset = names.Get(payload.Slice(at, datasetLength));
        at += datasetLength;
        int communityLength = payload[at++];
        string? community = communityLength == 0 ? null : Encoding.UTF8.GetString(payload.Slice(at, communityLength));
        at += communityLength;
        return new DeliveryRecord(sequence, dataset, community, payload[at..].ToArray());
    }

    private static int NameLength(string name, string what)
    {
        int length = Encoding.UTF8.GetByteCount(name);
        if (length > MaxNameBytes)
        {
            throw new ArgumentException($"{what} is longer than {MaxNameBytes} UTF-8 bytes", what);
        }
        return length;
    }

    private static int WriteName(string? name, Span<byte> destination)
    {
        int length = name is null ? 0 : Encoding.UTF8.GetBytes(name, destination[1..]);
        destination[0] = (byte)length;
        return 1 + length;
    }

    /// <summary>
    /// Datasets repeat (a handful of values): decoding reuses one string per distinct byte sequence instead of
    /// allocating one per record. Bounded so garbage cannot grow it. Used by one reader thread at a time.
    /// </summary>
    internal sealed class NameCache
    {
        private const int MaxEntries = 64;
        private readonly List<(byte[] Bytes, string Name)> _entries = [];

        public string Get(ReadOnlySpan<byte> bytes)
        {
            foreach ((byte[] known, string name) in _entries)
            {
                if (bytes.SequenceEqual(known))
                {
                    return name;
                }
            }
            string created = Encoding.UTF8.GetString(bytes);
            if (_entries.Count < MaxEntries)
            {
                _entries.Add((bytes.ToArray(), created));
            }
            return created;
        }
    }
}
