using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The <c>network.community_id</c> of the sockets written last, by socket cookie. The event stream writes up to four
/// lines per socket within milliseconds (opened, two state changes, closed), and the SHA-1 behind each id was a tenth of
/// the daemon's CPU under churn: computed once per socket instead. A hit needs the same <see cref="SocketFlowKey"/>
/// (cookie, transport, family, addresses and ports), so a UDP socket that connects elsewhere, or a reused slot, is
/// hashed again. Sockets without a cookie (/proc/net) are always hashed. Not thread-safe: one per encoder.
/// </summary>
internal sealed class CommunityIdCache
{
    // Direct-mapped by the cookie's low bits: cookies are consecutive, so recent sockets rarely collide.
    private const int Slots = 512;

    private readonly Entry[] _entries = new Entry[Slots];

    /// <summary>Writes the id of <paramref name="record"/> as UTF-8; false when it has none (see <see cref="CommunityId.TryFormat(SocketRecord, Span{byte}, out int, ushort)"/>).</summary>
    public bool TryFormat(SocketRecord record, Span<byte> utf8Destination, out int bytesWritten)
    {
        if (record.Cookie is not ulong cookie || cookie == 0)
        {
            return CommunityId.TryFormat(record, utf8Destination, out bytesWritten);
        }

        ref Entry entry = ref _entries[(int)(cookie % Slots)];
        if (entry.Id is not null && entry.Key.Matches(cookie, record))
        {
            entry.Id.AsSpan(0, entry.Length).CopyTo(utf8Destination);
            bytesWritten = entry.Length;
            return true;
        }

        if (!CommunityId.TryFormat(record, utf8Destination, out bytesWritten))
        {
            return false;
        }
        entry.Id ??= new byte[CommunityId.MaxUtf8Length];
        utf8Destination[..bytesWritten].CopyTo(entry.Id);
        entry.Length = bytesWritten;
        entry.Key = new SocketFlowKey(cookie, record);
        return true;
    }

    private struct Entry
    {
        public byte[]? Id;
        public int Length;
        public SocketFlowKey Key;
    }
}
