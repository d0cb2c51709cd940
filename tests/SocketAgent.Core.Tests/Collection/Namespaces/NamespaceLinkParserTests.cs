using System.Text;
using CsCheck;
using SocketAgent.Collection.Namespaces;

namespace SocketAgent.Tests.Collection.Namespaces;

public sealed class NamespaceLinkParserTests
{
    [Theory]
    [InlineData("net:[4026531840]", 4026531840UL)]
    [InlineData("net:[4026531833]", 4026531833UL)]
    [InlineData("net:[0]", 0UL)]
    [InlineData("net:[18446744073709551615]", ulong.MaxValue)]
    public void Parses_net_links(string link, ulong expected)
    {
        Assert.True(NamespaceLinkParser.TryParseNet(Encoding.ASCII.GetBytes(link), out ulong inode));
        Assert.Equal(expected, inode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("net")]
    [InlineData("net:")]
    [InlineData("net:[]")]
    [InlineData("net:[12")]
    [InlineData("net:12]")]
    [InlineData("net:[-1]")]
    [InlineData("net:[+1]")]
    [InlineData("net:[ 1]")]
    [InlineData("net:[1 ]")]
    [InlineData("net:[0x10]")]
    [InlineData("net:[18446744073709551616]")] // one past ulong
    [InlineData(":[12]")]
    [InlineData("mnt:[4026531832]")]
    [InlineData("socket:[12345]")]
    [InlineData("/run/netns/foo")]
    [InlineData("anon_inode:[eventfd]")]
    public void Rejects_anything_but_net_links(string link)
    {
        Assert.False(NamespaceLinkParser.TryParseNet(Encoding.ASCII.GetBytes(link), out ulong inode));
        Assert.Equal(0UL, inode);
    }

    [Fact]
    public void Reads_every_link_captured_on_this_kernel()
    {
        // readlink of /proc/self/ns/* on kernel 6.18 (Fixtures/namespaces/ns-links.txt).
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "namespaces", "ns-links.txt"));
        Assert.NotEmpty(lines);
        int net = 0;
        foreach (string line in lines)
        {
            Assert.True(NamespaceLinkParser.TryParse(Encoding.ASCII.GetBytes(line), out ReadOnlySpan<byte> type, out ulong inode), line);
            Assert.True(inode > 0, line);
            if (type.SequenceEqual("net"u8))
            {
                net++;
                Assert.True(NamespaceLinkParser.TryParseNet(Encoding.ASCII.GetBytes(line), out ulong netInode));
                Assert.Equal(inode, netInode);
            }
            else
            {
                Assert.False(NamespaceLinkParser.TryParseNet(Encoding.ASCII.GetBytes(line), out _), line);
            }
        }
        Assert.Equal(1, net);
    }

    [Fact]
    public void Round_trips_any_inode() =>
        Gen.ULong.Sample(inode =>
        {
            byte[] link = Encoding.ASCII.GetBytes($"net:[{inode}]");
            return NamespaceLinkParser.TryParseNet(link, out ulong parsed) && parsed == inode;
        }, iter: 2000);

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            bool ok = NamespaceLinkParser.TryParse(bytes, out ReadOnlySpan<byte> type, out ulong _);
            return ok || type.IsEmpty;
        }, iter: 2000);
}
