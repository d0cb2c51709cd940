using System.Buffers.Binary;
using System.Net;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;
using static SocketAgent.Tests.Collection.Rtnetlink.RtnetlinkWire;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>Edge cases of the message parsers, on synthetic messages: short structs, bad attributes, what is ignored.</summary>
public class RtnetlinkParserTests
{
    private readonly IPAddressCache _cache = new();

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(15)]
    public void Link_ShorterThanIfInfoMsg_IsMalformed(int length) =>
        Assert.Equal(RtnetlinkParseResult.Malformed, LinkMessageParser.Parse(new byte[length], out _));

    [Fact]
    public void Link_WithoutName_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, LinkMessageParser.Parse(new byte[RtnetlinkProtocol.IfInfoMessageSize], out _));

    [Fact]
    public void Link_WithShortMtu_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, LinkMessageParser.Parse(LinkPayload(3, "x0", Attribute(RtnetlinkProtocol.IFLA_MTU, [1, 2])), out _));

    [Fact]
    public void Link_WithCutAttribute_IsMalformed()
    {
        byte[] payload = LinkPayload(3, "x0", Attribute(RtnetlinkProtocol.IFLA_MTU, U32(1500)));
        Assert.Equal(RtnetlinkParseResult.Malformed, LinkMessageParser.Parse(payload.AsSpan(0, payload.Length - 2), out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4 * 8)]         // rx/tx packets and bytes only
    [InlineData(23 * 8)]        // before rx_nohandler (Linux < 4.6)
    [InlineData(23 * 8 + 5)]    // a torn last field
    [InlineData(24 * 8)]
    [InlineData(27 * 8)]        // newer kernels append more
    public void Stats64_OfAnyLength_ReadsTheFieldsPresent(int length)
    {
        byte[] stats = new byte[length];
        for (int i = 0; i + 8 <= length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(stats.AsSpan(i), (ulong)(i / 8 + 1));
        }

        Assert.Equal(RtnetlinkParseResult.Parsed, LinkMessageParser.Parse(LinkPayload(3, "x0", Attribute(RtnetlinkProtocol.IFLA_STATS64, stats)), out InterfaceRecord? link));
        InterfaceCounters c = link!.Counters;
        int fields = length / 8;
        Assert.Equal(fields >= 1 ? 1ul : 0, c.RxPackets);
        Assert.Equal(fields >= 4 ? 4ul : 0, c.TxBytes);
        Assert.Equal(fields >= 23 ? 23ul : 0, c.TxCompressed);
        Assert.Equal(fields >= 24 ? 24ul : 0, c.RxNoHandler);
    }

    [Fact]
    public void Link_LinkInfoWithoutKind_HasNoKind()
    {
        byte[] linkInfo = Attribute(RtnetlinkProtocol.IFLA_LINKINFO, Attribute(2, [1, 2, 3, 4]));
        Assert.Equal(RtnetlinkParseResult.Parsed, LinkMessageParser.Parse(LinkPayload(3, "x0", linkInfo), out InterfaceRecord? link));
        Assert.Null(link!.Kind);
    }

    [Fact]
    public void Address_Ipv4WithLocalAndPeer_SeparatesThem()
    {
        byte[] payload = AddressPayload(5, [10, 0, 0, 2], 32, Attribute(RtnetlinkProtocol.IFA_LOCAL, [10, 0, 0, 1]), Attribute(RtnetlinkProtocol.IFA_FLAGS, U32(0x300)));
        Assert.Equal(RtnetlinkParseResult.Parsed, AddressMessageParser.Parse(payload, _cache, out int index, out InterfaceAddress? address));
        Assert.Equal(5, index);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), address!.Address);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), address.Peer);
        Assert.Equal(0x300u, address.Flags);   // IFA_FLAGS overrides the u8 ifa_flags
    }

    [Fact]
    public void Address_WithWrongLengthForFamily_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, AddressMessageParser.Parse(AddressPayload(5, [10, 0, 0, 2, 9], 24), _cache, out _, out _));

    [Fact]
    public void Address_PrefixLongerThanTheFamily_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, AddressMessageParser.Parse(AddressPayload(5, [10, 0, 0, 2], 33), _cache, out _, out _));

    [Fact]
    public void Address_OfAnotherFamily_IsIgnored()
    {
        byte[] payload = AddressPayload(5, [10, 0, 0, 2], 24);
        payload[0] = 12;   // AF_DECnet
        Assert.Equal(RtnetlinkParseResult.Ignored, AddressMessageParser.Parse(payload, _cache, out _, out _));
    }

    [Fact]
    public void Route_TableAttribute_WinsOverTheByte()
    {
        byte[] payload = RoutePayload(RtnetlinkProtocol.AF_INET, 24, 252, 0, Attribute(RtnetlinkProtocol.RTA_DST, [10, 5, 0, 0]), Attribute(RtnetlinkProtocol.RTA_TABLE, U32(1000)));
        Assert.Equal(RtnetlinkParseResult.Parsed, RouteMessageParser.Parse(payload, _cache, out RouteRecord? route));
        Assert.Equal(1000u, route!.Table);
        Assert.Equal(IPAddress.Parse("10.5.0.0"), route.Destination);
        Assert.Equal((byte)4, route.Protocol);
    }

    [Fact]
    public void Route_WithoutTableAttribute_UsesTheByte()
    {
        Assert.Equal(RtnetlinkParseResult.Parsed, RouteMessageParser.Parse(RoutePayload(RtnetlinkProtocol.AF_INET6, 0, 254, 0), _cache, out RouteRecord? route));
        Assert.Equal(254u, route!.Table);
        Assert.Equal(IPAddress.IPv6Any, route.Destination);
    }

    [Fact]
    public void Route_Cloned_IsIgnored() =>
        Assert.Equal(RtnetlinkParseResult.Ignored, RouteMessageParser.Parse(RoutePayload(RtnetlinkProtocol.AF_INET6, 128, 254, RtnetlinkProtocol.RTM_F_CLONED), _cache, out _));

    [Fact]
    public void Route_OfAnotherFamily_IsIgnored() =>
        Assert.Equal(RtnetlinkParseResult.Ignored, RouteMessageParser.Parse(RoutePayload(128, 32, 254, 0), _cache, out _));   // RTNL_FAMILY_IPMR

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void Route_ShorterThanRtMsg_IsMalformed(int length) =>
        Assert.Equal(RtnetlinkParseResult.Malformed, RouteMessageParser.Parse(new byte[length], _cache, out _));

    [Fact]
    public void Route_DestinationOfWrongLength_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, RouteMessageParser.Parse(RoutePayload(RtnetlinkProtocol.AF_INET, 24, 254, 0, Attribute(RtnetlinkProtocol.RTA_DST, [10, 5, 0])), _cache, out _));

    [Fact]
    public void Route_PrefixLongerThanTheFamily_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, RouteMessageParser.Parse(RoutePayload(RtnetlinkProtocol.AF_INET, 33, 254, 0), _cache, out _));

    [Fact]
    public void Route_ShortMetric_IsMalformed() =>
        Assert.Equal(RtnetlinkParseResult.Malformed, RouteMessageParser.Parse(
            RoutePayload(RtnetlinkProtocol.AF_INET, 0, 254, 0, Attribute(RtnetlinkProtocol.RTA_METRICS, Attribute(RtnetlinkProtocol.RTAX_MTU, [1, 2]))), _cache, out _));

    [Fact]
    public void Route_MultipathHopLongerThanTheList_IsMalformed()
    {
        byte[] hop = new byte[RtnetlinkProtocol.NextHopSize];
        BinaryPrimitives.WriteUInt16LittleEndian(hop, 64);
        Assert.Equal(RtnetlinkParseResult.Malformed, RouteMessageParser.Parse(
            RoutePayload(RtnetlinkProtocol.AF_INET, 0, 254, 0, Attribute(RtnetlinkProtocol.RTA_MULTIPATH, hop)), _cache, out _));
    }

    [Fact]
    public void Route_MultipathHop_ReadsWeightAndVia()
    {
        byte[] via = [10, 0, .. new byte[16]];   // AF_INET6 (u16), ::
        via[17] = 1;                              // ::1
        byte[] attributes = Attribute(RtnetlinkProtocol.RTA_VIA, via);
        byte[] hop = new byte[RtnetlinkProtocol.NextHopSize + attributes.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(hop, (ushort)hop.Length);
        hop[2] = 0x1;      // RTNH_F_DEAD
        hop[3] = 254;      // weight 255
        BinaryPrimitives.WriteInt32LittleEndian(hop.AsSpan(4), 7);
        attributes.CopyTo(hop, RtnetlinkProtocol.NextHopSize);

        Assert.Equal(RtnetlinkParseResult.Parsed, RouteMessageParser.Parse(
            RoutePayload(RtnetlinkProtocol.AF_INET, 0, 254, 0, Attribute(RtnetlinkProtocol.RTA_MULTIPATH, hop)), _cache, out RouteRecord? route));
        Assert.Equal(new RouteNextHop(IPAddress.IPv6Loopback, 7, 255, 1), Assert.Single(route!.NextHops));
    }
}
