using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// What a line's flow members are made of for one socket: its cookie, transport, family, addresses and ports. The
/// encoder's per-socket caches (<see cref="CommunityIdCache"/>, <see cref="FlowFragmentCache"/>) key by it, so a UDP
/// socket that connects elsewhere, or a slot reused by another socket, is encoded again.
/// </summary>
internal readonly struct SocketFlowKey
{
    private readonly ulong _cookie;
    private readonly Transport _transport;
    private readonly AddressFamily _family;
    private readonly IPAddress? _localAddress;
    private readonly int _localPort;
    private readonly IPAddress? _remoteAddress;
    private readonly int _remotePort;

    public SocketFlowKey(ulong cookie, SocketRecord record)
    {
        _cookie = cookie;
        _transport = record.Transport;
        _family = record.Family;
        _localAddress = record.LocalAddress;
        _localPort = record.LocalPort;
        _remoteAddress = record.RemoteAddress;
        _remotePort = record.RemotePort;
    }

    public bool Matches(ulong cookie, SocketRecord record) =>
        _cookie == cookie && _transport == record.Transport && _family == record.Family
        && _localPort == record.LocalPort && _remotePort == record.RemotePort
        && Same(_localAddress, record.LocalAddress) && Same(_remoteAddress, record.RemoteAddress);

    private static bool Same(IPAddress? a, IPAddress? b) => ReferenceEquals(a, b) || (a is not null && a.Equals(b));
}
