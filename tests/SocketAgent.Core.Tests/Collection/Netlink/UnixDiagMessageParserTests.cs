using System.Net.Sockets;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// The captured UNIX dump had: a stream listener on /tmp/sa-netlink-fixture.sock (backlog 5) with an accepted
/// pair (client sent 30 bytes, unread), and an abstract listener "\0sa-netlink-fixture\0x" (backlog 3).
/// </summary>
public class UnixDiagMessageParserTests
{
    private static SocketRecord ByInode(List<SocketRecord> records, string name) =>
        Assert.Single(records, r => r.Inode == NetlinkFixtures.Inode(name));

    [Fact]
    public void UnixDump_ParsesListenersPairAndAbstractName()
    {
        var (records, result, probe) = NetlinkFixtures.Parse("unix", Transport.Unix);
        Assert.True(result.Succeeded);
        Assert.Equal(0, probe.Malformed);
        Assert.All(records, r => Assert.Equal(AddressFamily.Unix, r.Family));

        SocketRecord listener = ByInode(records, "unix_listener");
        Assert.Equal(Transport.Unix, listener.Transport);
        Assert.Equal(UnixSocketType.Stream, listener.UnixType);
        Assert.Equal(KernelSocketState.Listen, listener.State);
        Assert.Equal("/tmp/sa-netlink-fixture.sock", listener.UnixPath);
        Assert.Equal(NetlinkFixtures.Cookie("unix_listener"), listener.Cookie);
        Assert.Equal(0UL, listener.RecvQueue);
        Assert.Equal(5UL, listener.SendQueue);

        SocketRecord server = ByInode(records, "unix_server");
        SocketRecord client = ByInode(records, "unix_client");
        Assert.Equal(KernelSocketState.Established, server.State);
        Assert.Equal("/tmp/sa-netlink-fixture.sock", server.UnixPath);
        Assert.Null(client.UnixPath);
        Assert.Equal(client.Inode, server.UnixPeerInode);
        Assert.Equal(server.Inode, client.UnixPeerInode);
        Assert.Equal(30UL, server.RecvQueue);

        SocketRecord abstractListener = ByInode(records, "unix_abstract");
        Assert.Equal("@sa-netlink-fixture@x", abstractListener.UnixPath);
        Assert.Equal(3UL, abstractListener.SendQueue);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'/', (byte)'a', 0 }, "/a")]
    [InlineData(new byte[] { (byte)'/', (byte)'a' }, "/a")]
    [InlineData(new byte[] { 0, (byte)'n', 0, (byte)'m' }, "@n@m")]
    [InlineData(new byte[] { 0 }, "@")]
    [InlineData(new byte[] { }, null)]
    public void DecodeName_FollowsSsConventions(byte[] name, string? expected) =>
        Assert.Equal(expected, UnixDiagMessageParser.DecodeName(name));

    [Fact]
    public void ShortPeerOrRqlen_IsRejected()
    {
        byte[] header = new byte[SockDiag.UnixMessageSize];
        header[0] = SockDiag.AF_UNIX;
        Assert.True(UnixDiagMessageParser.TryParse(header, out _));
        Assert.False(UnixDiagMessageParser.TryParse([.. header, 6, 0, (byte)SockDiag.UNIX_DIAG_PEER, 0, 1, 0, 0, 0], out _));
        Assert.False(UnixDiagMessageParser.TryParse([.. header, 8, 0, (byte)SockDiag.UNIX_DIAG_RQLEN, 0, 1, 0, 0, 0], out _));
        Assert.False(UnixDiagMessageParser.TryParse(header[..15], out _));
    }
}
