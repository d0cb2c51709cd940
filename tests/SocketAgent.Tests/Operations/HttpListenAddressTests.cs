using System.Net;
using SocketAgent.Cli.Hosting.Operations;

namespace SocketAgent.Tests.Operations;

public sealed class HttpListenAddressTests
{
    [Theory]
    [InlineData("9464", "127.0.0.1:9464")]
    [InlineData("1", "127.0.0.1:1")]
    [InlineData("127.0.0.1:9464", "127.0.0.1:9464")]
    [InlineData("0.0.0.0:9464", "0.0.0.0:9464")]
    [InlineData("10.1.2.3:65535", "10.1.2.3:65535")]
    [InlineData("[::1]:9464", "[::1]:9464")]
    [InlineData("[::]:9464", "[::]:9464")]
    [InlineData("[fe80::1]:80", "[fe80::1]:80")]
    public void Accepted_forms(string text, string endpoint)
    {
        Assert.True(HttpListenAddress.TryParse(text, out IPEndPoint? parsed));
        Assert.Equal(endpoint, HttpListenAddress.Format(parsed));
    }

    [Fact]
    public void Empty_is_off()
    {
        Assert.True(HttpListenAddress.TryParse("", out IPEndPoint? parsed));
        Assert.Null(parsed);
        Assert.Equal("", HttpListenAddress.Format(null));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("+80")]
    [InlineData(" 80")]
    [InlineData("abc")]
    [InlineData("localhost:9464")]
    [InlineData("1.2:80")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData(":9464")]
    [InlineData("::1:9464")]
    [InlineData("[::1]")]
    [InlineData("[127.0.0.1]:80")]
    [InlineData("[::1]:0")]
    [InlineData("http://127.0.0.1:9464")]
    public void Refused_forms(string text) =>
        Assert.False(HttpListenAddress.TryParse(text, out _));
}
