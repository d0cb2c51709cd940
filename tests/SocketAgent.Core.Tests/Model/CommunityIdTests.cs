using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Tests.Model;

public class CommunityIdTests
{
    // Vectors from the spec's baseline (corelight/community-id-spec baseline/README.md and baseline_deflt.json).
    [Theory]
    [InlineData(6, "1.2.3.4", 1122, "5.6.7.8", 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=")]
    [InlineData(6, "5.6.7.8", 3344, "1.2.3.4", 1122, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=")]
    [InlineData(17, "1.2.3.4", 1122, "5.6.7.8", 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")]
    [InlineData(17, "5.6.7.8", 3344, "1.2.3.4", 1122, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=")]
    [InlineData(6, "1.2.3.4", 1122, "5.6.7.8", 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=")]
    [InlineData(6, "5.6.7.8", 3344, "1.2.3.4", 1122, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=")]
    [InlineData(17, "1.2.3.4", 1122, "5.6.7.8", 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=")]
    [InlineData(6, "128.232.110.120", 34855, "66.35.250.204", 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData(6, "66.35.250.204", 80, "128.232.110.120", 34855, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData(17, "192.168.1.52", 54585, "8.8.8.8", 53, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=")]
    [InlineData(17, "8.8.8.8", 53, "192.168.1.52", 54585, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=")]
    [InlineData(6, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=")]
    [InlineData(6, "2607:f8b0:400c:c03::1a", 25, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=")]
    public void Compute_MatchesSpecBaseline(byte protocol, string src, int srcPort, string dst, int dstPort, ushort seed, string expected)
    {
        Assert.Equal(expected, CommunityId.Compute(protocol, IPAddress.Parse(src), srcPort, IPAddress.Parse(dst), dstPort, seed));
    }

    [Fact]
    public void Compute_IPv4MappedIPv6_HashesAsIPv4()
    {
        string? mapped = CommunityId.Compute(6, IPAddress.Parse("::ffff:1.2.3.4"), 1122, IPAddress.Parse("::ffff:5.6.7.8"), 3344);
        string? halfMapped = CommunityId.Compute(6, IPAddress.Parse("5.6.7.8"), 3344, IPAddress.Parse("::ffff:1.2.3.4"), 1122);

        Assert.Equal("1:wCb3OG7yAFWelaUydu0D+125CLM=", mapped);
        Assert.Equal("1:wCb3OG7yAFWelaUydu0D+125CLM=", halfMapped);
    }

    [Fact]
    public void Compute_SameAddress_OrdersByPort()
    {
        // Loopback connections: both ends share the address, so only the ports decide the order.
        string? a = CommunityId.Compute(6, IPAddress.IPv6Loopback, 5000, IPAddress.IPv6Loopback, 40000);
        string? b = CommunityId.Compute(6, IPAddress.IPv6Loopback, 40000, IPAddress.IPv6Loopback, 5000);

        Assert.Equal("1:zq9TeV9FAGzATCdISIU6QG4q7Mw=", a); // computed independently (Python hashlib)
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(1, "1.2.3.4", 8, "5.6.7.8", 0)]           // ICMP: not a TCP/UDP flow
    [InlineData(132, "1.2.3.4", 1122, "5.6.7.8", 3344)]   // SCTP
    [InlineData(6, "1.2.3.4", 1122, "::1", 3344)]         // mixed families
    [InlineData(6, "0.0.0.0", 22, "0.0.0.0", 0)]          // listener
    [InlineData(17, "10.0.0.1", 5353, "0.0.0.0", 0)]      // unconnected UDP
    [InlineData(17, "10.0.0.1", 5353, "10.0.0.2", 0)]     // remote port 0
    [InlineData(6, "10.0.0.1", 5353, "::", 80)]           // wildcard remote
    [InlineData(6, "10.0.0.1", 70000, "10.0.0.2", 80)]    // port out of range
    [InlineData(6, "10.0.0.1", -1, "10.0.0.2", 80)]
    public void Compute_NoFlow_ReturnsNull(byte protocol, string src, int srcPort, string dst, int dstPort)
    {
        Assert.Null(CommunityId.Compute(protocol, IPAddress.Parse(src), srcPort, IPAddress.Parse(dst), dstPort));
    }

    [Fact]
    public void Compute_Record_UsesLocalAndRemote()
    {
        var record = new SocketRecord
        {
            Transport = Transport.Udp,
            Family = AddressFamily.InterNetwork,
            State = KernelSocketState.Established,
            LocalAddress = IPAddress.Parse("192.168.1.52"),
            LocalPort = 54585,
            RemoteAddress = IPAddress.Parse("8.8.8.8"),
            RemotePort = 53,
        };

        Assert.Equal("1:d/FP5EW3wiY1vCndhwleRRKHowQ=", CommunityId.Compute(record));
    }

    [Theory]
    [InlineData(Transport.Raw)]
    [InlineData(Transport.Unix)]
    public void Compute_Record_OtherTransports_ReturnsNull(Transport transport)
    {
        var record = new SocketRecord
        {
            Transport = transport,
            Family = AddressFamily.InterNetwork,
            LocalAddress = IPAddress.Parse("1.2.3.4"),
            LocalPort = 1122,
            RemoteAddress = IPAddress.Parse("5.6.7.8"),
            RemotePort = 3344,
        };

        Assert.Null(CommunityId.Compute(record));
    }

    [Fact]
    public void Compute_Record_MissingRemote_ReturnsNull()
    {
        var record = new SocketRecord { Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, LocalAddress = IPAddress.Loopback, LocalPort = 80 };

        Assert.Null(CommunityId.Compute(record));
    }

    [Fact]
    public void Compute_AllocatesOnlyTheResult()
    {
        IPAddress src = IPAddress.Parse("2001:470:e5bf:dead:4957:2174:e82c:4887");
        IPAddress dst = IPAddress.Parse("2607:f8b0:400c:c03::1a");
        CommunityId.Compute(6, src, 63943, dst, 25); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        string? id = CommunityId.Compute(6, src, 63943, dst, 25);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotNull(id);
        // One 30-char string: 20 bytes of header + 2 * 31 chars, rounded to 8 bytes.
        Assert.True(allocated <= 88, $"allocated {allocated} bytes");
    }
}
