using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

public class RouteTableNamesTests
{
    [Theory]
    [InlineData(0u, "unspec")]
    [InlineData(253u, "default")]
    [InlineData(254u, "main")]
    [InlineData(255u, "local")]
    [InlineData(100u, "100")]
    [InlineData(4294967295u, "4294967295")]
    public void BuiltIn(uint table, string expected) => Assert.Equal(expected, RouteTableNames.BuiltIn.GetName(table));

    [Fact]
    public void Parse_NamesCommentsHexAndJunk()
    {
        RouteTableNames names = RouteTableNames.Parse(
            "#\n# reserved values\n#\n255\tlocal\n254\tmain\n  100   vpn   # trailing comment\n0x65 hex\n" +
            "junk\n-1 negative\n300\n999999999999 overflow\n200\tdmz#inline\n",
            "100 vpn2\n");

        Assert.Equal("vpn2", names.GetName(100)); // later text wins, as drop-ins override
        Assert.Equal("hex", names.GetName(101));
        Assert.Equal("dmz", names.GetName(200));
        Assert.Equal("300", names.GetName(300));
        Assert.Equal("main", names.GetName(254));
        Assert.Equal("unspec", names.GetName(0));
    }

    [Fact]
    public void Parse_NamesStopAtAnyWhitespace_SoRoutesStaySchemaValid()
    {
        RouteTableNames names = RouteTableNames.Parse("7 a\u00a0b\n8\u2003c\u0001d\n");

        Assert.Equal("a", names.GetName(7));
        Assert.Equal("c\u0001d", names.GetName(8));
        var route = new SocketAgent.Model.RouteRecord { Family = System.Net.Sockets.AddressFamily.InterNetwork, Destination = System.Net.IPAddress.Any, Table = 8, Type = 1 };
        Assert.Equal("c\u0001d", HostStateJsonLines.Route(route, tables: names).Str("route.table"));
    }

    [Fact]
    public void GetName_ReturnsCachedStrings()
    {
        Assert.Same(RouteTableNames.BuiltIn.GetName(100), RouteTableNames.BuiltIn.GetName(100));
    }

    [Fact]
    public void Load_ReadsFileThenDropIns_AndFallsBackToVendorCopy()
    {
        string dir = Directory.CreateTempSubdirectory("rt_tables").FullName;
        try
        {
            string main = Path.Combine(dir, "rt_tables");
            string vendor = Path.Combine(dir, "vendor_rt_tables");
            string dropIns = Path.Combine(dir, "rt_tables.d");
            Directory.CreateDirectory(dropIns);
            File.WriteAllText(vendor, "10 vendor\n");
            File.WriteAllText(Path.Combine(dropIns, "b.conf"), "20 second\n");
            File.WriteAllText(Path.Combine(dropIns, "a.conf"), "20 first\n30 dropin\n");
            File.WriteAllText(Path.Combine(dropIns, "ignored.txt"), "40 ignored\n");

            RouteTableNames withoutMain = RouteTableNames.Load(main, vendor, dropIns);
            Assert.Equal("vendor", withoutMain.GetName(10));
            Assert.Equal("second", withoutMain.GetName(20));
            Assert.Equal("dropin", withoutMain.GetName(30));
            Assert.Equal("40", withoutMain.GetName(40));

            File.WriteAllText(main, "10 etc\n");
            Assert.Equal("etc", RouteTableNames.Load(main, vendor, dropIns).GetName(10));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_MissingFiles_GivesBuiltIns()
    {
        RouteTableNames names = RouteTableNames.Load("/nonexistent/rt_tables", "/nonexistent/vendor", "/nonexistent/rt_tables.d");

        Assert.Equal("main", names.GetName(254));
        Assert.Equal("7", names.GetName(7));
    }

    [Fact]
    public void LoadSystem_DoesNotThrow_AndKnowsMain()
    {
        Assert.Equal("main", RouteTableNames.LoadSystem().GetName(254));
    }
}
