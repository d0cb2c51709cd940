using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class UserNameResolverTests
{
    [Fact]
    public void ResolvesRoot() => Assert.Equal("root", new UserNameResolver().GetUserName(0));

    [Fact]
    public void ResolvesAnEntryOfPasswd()
    {
        // Every entry of /etc/passwd must come back through NSS (files); take the first few.
        var resolver = new UserNameResolver();
        foreach (string line in File.ReadLines("/etc/passwd").Take(5))
        {
            string[] fields = line.Split(':');
            Assert.Equal(fields[0], resolver.GetUserName(uint.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void UnknownUidIsNullAndCached()
    {
        var resolver = new UserNameResolver();
        Assert.Null(resolver.GetUserName(3_999_999_999));
        Assert.Null(resolver.GetUserName(3_999_999_999));
    }
}
