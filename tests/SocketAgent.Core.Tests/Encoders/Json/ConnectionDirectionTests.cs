using System.Net;
using System.Text.Json;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>network.direction and the ECS source/destination/client/server it implies, field by field.</summary>
public class ConnectionDirectionTests
{
    private static readonly SocketRecord WildcardListener = EventRecords.Listener("0.0.0.0", 22);
    private static readonly SocketRecord SpecificListener = EventRecords.Listener("192.0.2.1", 8443);
    private static readonly SocketRecord DualStackListener = EventRecords.Listener("::", 80);
    private static readonly SocketRecord UdpUnconnected = EventRecords.Listener("0.0.0.0", 53, Transport.Udp);

    private static ConnectionDirectionResolver Resolver() =>
        new ConnectionDirectionResolver([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")])
            .With(WildcardListener, SpecificListener, DualStackListener, UdpUnconnected, EventRecords.Listener("127.0.0.1", 6379));

    private static JsonElement Line(SocketRecord record) =>
        EventRecords.OneSocket(EventRecords.Socket(SocketEventAction.Opened, record), Resolver());

    private static void AssertEndpoint(JsonElement line, string field, string ip, int port)
    {
        Assert.Equal(ip, line.Str(field + ".ip"));
        Assert.Equal(port, line.Get(field + ".port").GetInt32());
    }

    [Fact]
    public void Listener_IsServerOnly_WithoutDirection()
    {
        JsonElement line = Line(WildcardListener);

        // ECS network.direction has no "listening": a listener has no traffic yet, its server end says what it is.
        Assert.False(line.Has("network.direction"));
        AssertEndpoint(line, "server", "0.0.0.0", 22);
        Assert.False(line.Has("source"));
        Assert.False(line.Has("destination"));
        Assert.False(line.Has("client"));
        Assert.False(line.Has("socket.local_end"));
    }

    [Fact]
    public void UdpUnconnected_IsServerOnly()
    {
        JsonElement line = Line(UdpUnconnected);

        Assert.False(line.Has("network.direction"));
        AssertEndpoint(line, "server", "0.0.0.0", 53);
        Assert.False(line.Has("source"));
    }

    [Fact]
    public void IngressToWildcardListener_SourceAndClientAreRemote()
    {
        JsonElement line = Line(EventRecords.Tcp("192.0.2.1", 22, "198.51.100.7", 50123));

        Assert.Equal("ingress", line.Str("network.direction"));
        AssertEndpoint(line, "source", "198.51.100.7", 50123);
        AssertEndpoint(line, "destination", "192.0.2.1", 22);
        Assert.Equal("destination", line.Str("socket.local_end"));
        AssertOnePair(line);
    }

    [Fact]
    public void IngressToSpecificListener()
    {
        JsonElement line = Line(EventRecords.Tcp("192.0.2.1", 8443, "203.0.113.9", 40000));

        Assert.Equal("ingress", line.Str("network.direction"));
        AssertEndpoint(line, "source", "203.0.113.9", 40000);
        AssertEndpoint(line, "destination", "192.0.2.1", 8443);
        Assert.Equal("destination", line.Str("socket.local_end"));
    }

    [Fact]
    public void SamePortOnAnotherAddressThanTheSpecificListener_IsEgress()
    {
        // 8443 listens on 192.0.2.1 only: a socket on 10.9.9.9:8443 is not one of its connections.
        JsonElement line = Line(EventRecords.Tcp("10.9.9.9", 8443, "203.0.113.9", 443));

        Assert.Equal("egress", line.Str("network.direction"));
    }

    [Fact]
    public void IPv4PeerOfDualStackListener_IsIngress()
    {
        JsonElement line = Line(EventRecords.Tcp("192.0.2.1", 80, "198.51.100.8", 61000));

        Assert.Equal("ingress", line.Str("network.direction"));
    }

    [Fact]
    public void Egress_SourceIsLocal()
    {
        JsonElement line = Line(EventRecords.Tcp("2001:db8::1", 51000, "2001:db8:1::443", 443));

        Assert.Equal("egress", line.Str("network.direction"));
        AssertEndpoint(line, "source", "2001:db8::1", 51000);
        AssertEndpoint(line, "destination", "2001:db8:1::443", 443);
        Assert.Equal("source", line.Str("socket.local_end"));
        AssertOnePair(line);
    }

    [Fact]
    public void InternalLoopback_ClientSideKnownFromTheRemoteListener()
    {
        JsonElement line = Line(EventRecords.Tcp("127.0.0.1", 45000, "127.0.0.1", 6379));

        Assert.Equal("internal", line.Str("network.direction"));
        AssertEndpoint(line, "source", "127.0.0.1", 45000);
        AssertEndpoint(line, "destination", "127.0.0.1", 6379);
        Assert.Equal("source", line.Str("socket.local_end"));
    }

    [Fact]
    public void InternalLoopback_ServerSideKnownFromTheLocalListener()
    {
        JsonElement line = Line(EventRecords.Tcp("127.0.0.1", 6379, "127.0.0.1", 45000));

        Assert.Equal("internal", line.Str("network.direction"));
        AssertEndpoint(line, "source", "127.0.0.1", 45000);
        AssertEndpoint(line, "destination", "127.0.0.1", 6379);
        Assert.Equal("destination", line.Str("socket.local_end"));
    }

    [Fact]
    public void InternalSameHostAddress_WithoutListener_SourceIsLocal_NoClientServer()
    {
        JsonElement line = Line(EventRecords.Tcp("192.0.2.1", 47000, "192.0.2.1", 9999));

        Assert.Equal("internal", line.Str("network.direction"));
        AssertEndpoint(line, "source", "192.0.2.1", 47000);
        AssertEndpoint(line, "destination", "192.0.2.1", 9999);
        Assert.Equal("source", line.Str("socket.local_end"));
        AssertOnePair(line);
    }

    [Fact]
    public void InternalIPv6Loopback()
    {
        Assert.Equal("internal", Line(EventRecords.Tcp("::1", 47000, "::1", 9999)).Str("network.direction"));
    }

    [Fact]
    public void UdpConnected_ToUnconnectedPort_IsIngress()
    {
        var record = new SocketRecord
        {
            Transport = Transport.Udp, Family = System.Net.Sockets.AddressFamily.InterNetwork, State = KernelSocketState.Established,
            LocalAddress = IPAddress.Parse("192.0.2.1"), LocalPort = 53, RemoteAddress = IPAddress.Parse("198.51.100.1"), RemotePort = 33333, Inode = 1, Cookie = 1,
        };

        Assert.Equal("ingress", Line(record).Str("network.direction"));
    }

    [Fact]
    public void UnixAndRaw_HaveNoDirection()
    {
        Assert.False(Line(TestRecords.UnixUnboundConnected).Has("network.direction"));
        JsonElement raw = Line(TestRecords.RawIcmpV6);
        Assert.False(raw.Has("network.direction"));
        Assert.False(raw.Has("server"));
    }

    [Fact]
    public void NoResolver_NoDirection_LocalEndIsTheSource()
    {
        JsonElement line = EventRecords.OneSocket(EventRecords.Socket(SocketEventAction.Opened, EventRecords.Tcp("10.0.0.1", 5, "10.0.0.2", 6)));

        Assert.False(line.Has("network.direction"));
        AssertEndpoint(line, "source", "10.0.0.1", 5);
        AssertEndpoint(line, "destination", "10.0.0.2", 6);
        Assert.Equal("source", line.Str("socket.local_end"));
    }

    [Fact]
    public void RemovedListener_NoLongerMakesIngress_RefCounted()
    {
        var resolver = new ConnectionDirectionResolver();
        SocketRecord listener = EventRecords.Listener("0.0.0.0", 7000);
        SocketRecord connection = EventRecords.Tcp("10.0.0.1", 7000, "10.0.0.2", 6);
        resolver.AddListener(listener);
        resolver.AddListener(listener); // SO_REUSEPORT: two sockets on one port
        resolver.RemoveListener(listener);

        Assert.Equal(ConnectionDirection.Ingress, resolver.Resolve(connection).Direction);
        resolver.RemoveListener(listener);
        Assert.Equal(ConnectionDirection.Egress, resolver.Resolve(connection).Direction);
        Assert.Equal(0, resolver.ListenerCount);
    }

    [Fact]
    public void SnapshotLines_GetDirectionsFromTheSnapshotItself()
    {
        // --once: the resolver is built from the snapshot; 10.0.0.5 is a host address because a socket is bound to it.
        SocketRecord listener = EventRecords.Listener("0.0.0.0", 5432);
        SocketRecord server = EventRecords.Tcp("10.0.0.5", 5432, "10.0.0.99", 40000, cookie: 2);
        SocketRecord client = EventRecords.Tcp("10.0.0.5", 40001, "10.0.0.5", 5432, cookie: 3);
        string[] lines = JsonLines.Write(TestRecords.Snapshot([listener, server, client], SocketOwners.Empty));

        Assert.False(HostStateJsonLines.Parse(lines[0]).Has("network.direction"));
        Assert.Equal(["ingress", "internal"], lines[1..].Select(l => HostStateJsonLines.Parse(l).Str("network.direction")));
        AssertEndpoint(HostStateJsonLines.Parse(lines[2]), "source", "10.0.0.5", 40001);
        Assert.Equal("source", HostStateJsonLines.Parse(lines[2]).Str("socket.local_end"));
    }

    [Fact]
    public void FromNamespace_UsesInterfaceAddresses()
    {
        var state = new NamespaceState
        {
            Namespace = HostStateRecords.HostNamespace,
            Sockets = [EventRecords.Tcp("10.0.0.5", 40001, "10.7.7.7", 80)],
            Interfaces = [new InterfaceRecord { Index = 3, Name = "eth1", Addresses = [new InterfaceAddress(IPAddress.Parse("10.7.7.7"), 24)] }],
        };

        Assert.Equal(ConnectionDirection.Internal, ConnectionDirectionResolver.FromNamespace(state).Resolve(state.Sockets[0]).Direction);
        Assert.Equal(ConnectionDirection.Egress, ConnectionDirectionResolver.FromSockets(state.Sockets).Resolve(state.Sockets[0]).Direction);
    }

    /// <summary>Each fact once: no client/server copies of the pair, no socket.local/remote.</summary>
    private static void AssertOnePair(JsonElement line)
    {
        Assert.False(line.Has("client"));
        Assert.False(line.Has("server"));
        Assert.False(line.Has("socket.local"));
        Assert.False(line.Has("socket.remote"));
    }
}

internal static class ConnectionDirectionResolverTestExtensions
{
    public static ConnectionDirectionResolver With(this ConnectionDirectionResolver resolver, params SocketRecord[] listeners)
    {
        foreach (SocketRecord listener in listeners)
        {
            resolver.AddListener(listener);
        }
        return resolver;
    }

}
