using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Encoders.Json;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>The encoder hashes a socket's flow once per socket: a cached id must always be the one the flow has now.</summary>
public sealed class CommunityIdCacheTests
{
    [Fact]
    public void The_same_socket_gets_the_same_id_and_a_reconnected_one_a_new_id()
    {
        var cache = new CommunityIdCache();
        SocketRecord first = Udp(cookie: 7, remote: "192.0.2.53", remotePort: 53);
        SocketRecord again = Udp(cookie: 7, remote: "192.0.2.53", remotePort: 53); // new IPAddress objects, same flow
        SocketRecord reconnected = Udp(cookie: 7, remote: "198.51.100.9", remotePort: 5353);

        Assert.Equal(CommunityId.Compute(first), Format(cache, first));
        Assert.Equal(CommunityId.Compute(again), Format(cache, again));
        Assert.Equal(CommunityId.Compute(reconnected), Format(cache, reconnected));
        Assert.NotEqual(Format(cache, first), Format(cache, reconnected));
    }

    [Fact]
    public void Cookies_that_share_a_slot_and_sockets_without_a_cookie_are_hashed_for_what_they_are()
    {
        var cache = new CommunityIdCache();
        SocketRecord a = Udp(cookie: 1, remote: "192.0.2.1", remotePort: 1000);
        SocketRecord b = Udp(cookie: 1 + 512, remote: "192.0.2.2", remotePort: 2000); // same slot, another socket
        SocketRecord procfs = Udp(cookie: null, remote: "192.0.2.3", remotePort: 3000);

        foreach (SocketRecord record in new[] { a, b, a, procfs, b })
        {
            Assert.Equal(CommunityId.Compute(record), Format(cache, record));
        }
    }

    [Fact]
    public void A_socket_without_a_peer_has_no_id()
    {
        var cache = new CommunityIdCache();
        var listener = new SocketRecord
        {
            Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Listen,
            LocalAddress = IPAddress.Any, LocalPort = 22, Inode = 1, Cookie = 3,
        };

        Assert.False(cache.TryFormat(listener, new byte[CommunityId.MaxUtf8Length], out _));
    }

    private static string? Format(CommunityIdCache cache, SocketRecord record)
    {
        var utf8 = new byte[CommunityId.MaxUtf8Length];
        return cache.TryFormat(record, utf8, out int written) ? Encoding.UTF8.GetString(utf8, 0, written) : null;
    }

    private static SocketRecord Udp(ulong? cookie, string remote, int remotePort) => new()
    {
        Transport = Transport.Udp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Established,
        LocalAddress = IPAddress.Parse("10.0.0.1"), LocalPort = 40000, RemoteAddress = IPAddress.Parse(remote), RemotePort = remotePort,
        Inode = 5, Cookie = cookie,
    };
}
