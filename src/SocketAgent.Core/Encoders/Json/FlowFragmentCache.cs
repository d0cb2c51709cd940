using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The encoded <c>network</c>, <c>netns</c>, <c>source</c> and <c>destination</c> members of the sockets written
/// last, by socket cookie. The kernel tracer makes four lines per socket within milliseconds (opened, two state
/// changes, closed) and all but the close carry the very same members: encoding them was a sixth of the agent's
/// CPU at 20,000 connections a second. A hit needs the same <see cref="SocketFlowKey"/>, direction
/// and namespace, so a UDP socket that connects elsewhere, a socket whose direction became known, or a reused slot is
/// encoded again. Lines with traffic counts (a close) are never cached: their members differ. Not thread-safe: one
/// per encoder.
/// </summary>
internal sealed class FlowFragmentCache
{
    // Direct-mapped by the cookie's low bits: cookies are consecutive, so recent sockets rarely collide.
    private const int Slots = 1024;

    private readonly Entry?[] _entries = new Entry?[Slots];

    /// <summary>The cached members of <paramref name="record"/> as written with <paramref name="flow"/> in <paramref name="ns"/>, or null.</summary>
    public Entry? Find(ulong cookie, SocketRecord record, ConnectionFlow flow, NetworkNamespace? ns)
    {
        Entry? entry = _entries[(int)(cookie % Slots)];
        return entry is not null && entry.Matches(cookie, record, flow, ns) ? entry : null;
    }

    /// <summary>Keeps <paramref name="members"/> (the members without the enclosing braces) for the next lines of the socket.</summary>
    public Entry Add(ulong cookie, SocketRecord record, ConnectionFlow flow, NetworkNamespace? ns,
        ReadOnlySpan<byte> members, ReadOnlySpan<byte> communityId, byte localEnd)
    {
        Entry entry = _entries[(int)(cookie % Slots)] ??= new Entry();
        entry.Set(cookie, record, flow, ns, members, communityId, localEnd);
        return entry;
    }

    internal sealed class Entry
    {
        private byte[] _members = new byte[256];
        private readonly byte[] _communityId = new byte[CommunityId.MaxUtf8Length];
        private int _membersLength;
        private int _communityIdLength;
        private SocketFlowKey _key;
        private ConnectionFlow _flow;
        private NetworkNamespace? _namespace;

        public ReadOnlySpan<byte> Members => _members.AsSpan(0, _membersLength);

        public ReadOnlySpan<byte> CommunityIdUtf8 => _communityId.AsSpan(0, _communityIdLength);

        /// <summary>Which end of the flow the socket is, as the encoder's <c>LocalEnd</c> value.</summary>
        public byte LocalEnd { get; private set; }

        public void Set(ulong cookie, SocketRecord record, ConnectionFlow flow, NetworkNamespace? ns,
            ReadOnlySpan<byte> members, ReadOnlySpan<byte> communityId, byte localEnd)
        {
            if (_members.Length < members.Length)
            {
                _members = new byte[Math.Max(members.Length, _members.Length * 2)];
            }
            members.CopyTo(_members);
            _membersLength = members.Length;
            communityId.CopyTo(_communityId);
            _communityIdLength = communityId.Length;
            LocalEnd = localEnd;
            _key = new SocketFlowKey(cookie, record);
            _flow = flow;
            _namespace = ns;
        }

        public bool Matches(ulong cookie, SocketRecord record, ConnectionFlow flow, NetworkNamespace? ns) =>
            _key.Matches(cookie, record) && _flow == flow
            && (ReferenceEquals(_namespace, ns) || (_namespace is not null && _namespace.Equals(ns)));
    }
}
