using System.Net;
using CsCheck;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Tests.Collection.Netlink;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>
/// Notifications captured while <c>ip</c> added a link (veth: this kernel has no dummy driver), an address and
/// a route in a throwaway namespace, then removed them (Fixtures/destroy/capture.py).
/// </summary>
public class RtnetlinkChangeParserTests
{
    private static (RtnetlinkChangeKind Kinds, List<RtnetlinkChangeNotification> Notifications, int Malformed) ParseAll()
    {
        var notifications = new List<RtnetlinkChangeNotification>();
        var cache = new IPAddressCache();
        RtnetlinkChangeKind kinds = RtnetlinkChangeKind.None;
        int malformed = 0;
        foreach (byte[] datagram in SockDiagDestroyFixtures.RtnetlinkDatagrams())
        {
            kinds |= RtnetlinkChangeParser.Parse(datagram, cache, DateTimeOffset.UnixEpoch, notifications, out int m);
            malformed += m;
        }
        return (kinds, notifications, malformed);
    }

    [Fact]
    public void CapturedNotifications_SayWhatChanged()
    {
        (RtnetlinkChangeKind kinds, List<RtnetlinkChangeNotification> notifications, int malformed) = ParseAll();

        Assert.Equal(0, malformed);
        Assert.Equal(RtnetlinkChangeKind.Links | RtnetlinkChangeKind.Addresses | RtnetlinkChangeKind.Routes, kinds);

        Assert.Contains(notifications, n => n.Kind == RtnetlinkChangeKind.Links && !n.Removed && n.Link!.Name == "dummy0");
        Assert.Contains(notifications, n => n.Kind == RtnetlinkChangeKind.Links && n.Removed && n.Link!.Name == "dummy0");

        int index = notifications.First(n => n.Link?.Name == "dummy0").Link!.Index;
        Assert.Contains(notifications, n => n.Kind == RtnetlinkChangeKind.Addresses && !n.Removed &&
            n.Address!.Address.Equals(IPAddress.Parse("10.9.9.9")) && n.Address.PrefixLength == 24 && n.AddressInterfaceIndex == index);
        Assert.Contains(notifications, n => n.Kind == RtnetlinkChangeKind.Addresses && n.Removed && n.Address!.Address.Equals(IPAddress.Parse("10.9.9.9")));

        static bool IsTestRoute(RtnetlinkChangeNotification n) =>
            n.Kind == RtnetlinkChangeKind.Routes && n.Route!.Destination.Equals(IPAddress.Parse("10.8.0.0")) && n.Route.DestinationPrefixLength == 16;
        Assert.Contains(notifications, n => IsTestRoute(n) && !n.Removed && n.Route!.OutputInterfaceIndex == index);
        Assert.Contains(notifications, n => IsTestRoute(n) && n.Removed);
        Assert.All(notifications, n => Assert.Equal(DateTimeOffset.UnixEpoch, n.At));
    }

    [Fact]
    public void ClassifyingOnly_NeedsNoList()
    {
        byte[] first = SockDiagDestroyFixtures.RtnetlinkDatagrams()[0];
        Assert.Equal(RtnetlinkChangeKind.Links, RtnetlinkChangeParser.Parse(first, new IPAddressCache(), DateTimeOffset.UnixEpoch, null, out _));
    }

    [Fact]
    public void BrokenLength_AsksForEverything()
    {
        byte[] datagram = SockDiagDestroyFixtures.RtnetlinkDatagrams()[2];
        RtnetlinkChangeKind kinds = RtnetlinkChangeParser.Parse(datagram[..20], new IPAddressCache(), DateTimeOffset.UnixEpoch, null, out int malformed);
        Assert.Equal(1, malformed);
        Assert.Equal(RtnetlinkChangeKind.Links | RtnetlinkChangeKind.Addresses | RtnetlinkChangeKind.Routes, kinds);
    }

    [Fact]
    public void RandomAndCorruptedDatagrams_NeverThrow()
    {
        List<byte[]> captured = SockDiagDestroyFixtures.RtnetlinkDatagrams();
        Gen<byte[]> mutated = Gen.Int[0, captured.Count - 1].SelectMany(i => Gen.Int[0, 2048].SelectMany(cut => Gen.Int[0, 2048].SelectMany(pos => Gen.Byte.Select(value =>
        {
            byte[] data = captured[i][..Math.Min(cut, captured[i].Length)];
            if (data.Length > 0)
            {
                data[pos % data.Length] = value;
            }
            return data;
        }))));

        Gen.Frequency((1, Gen.Byte.Array[0, 4096]), (3, mutated)).Sample(bytes =>
        {
            var list = new List<RtnetlinkChangeNotification>();
            RtnetlinkChangeParser.Parse(bytes, new IPAddressCache(), DateTimeOffset.UnixEpoch, list, out int malformed);
            Assert.True(malformed >= 0);
        }, iter: 2_000);
    }
}
