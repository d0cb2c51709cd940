using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class SocketLinkParserTests
{
    [Theory]
    [InlineData("socket:[1]", 1ul)]
    [InlineData("socket:[1057]", 1057ul)]
    [InlineData("socket:[18446744073709551615]", ulong.MaxValue)]
    public void ParsesSocketTargets(string target, ulong expected)
    {
        Assert.True(SocketLinkParser.TryParseInode(System.Text.Encoding.ASCII.GetBytes(target), out ulong inode));
        Assert.Equal(expected, inode);
    }

    [Theory]
    [InlineData("pipe:[1057]")]
    [InlineData("anon_inode:[eventfd]")]
    [InlineData("/dev/null")]
    [InlineData("socket:[")]
    [InlineData("socket:[]")]
    [InlineData("socket:[12")]
    [InlineData("socket:[12]x")]
    [InlineData("socket:[-12]")]
    [InlineData("socket:[0]")]
    [InlineData("socket:[18446744073709551616]")]
    public void RejectsEverythingElse(string target) =>
        Assert.False(SocketLinkParser.TryParseInode(System.Text.Encoding.ASCII.GetBytes(target), out _));

    [Fact]
    public void RandomBytesNeverThrow() =>
        Gen.Byte.Array[0, 64].Select(b => (byte[])[.. "socket:["u8, .. b]).Sample(bytes => { SocketLinkParser.TryParseInode(bytes, out _); }, iter: 2000);
}
