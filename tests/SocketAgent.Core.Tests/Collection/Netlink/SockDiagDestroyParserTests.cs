using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CsCheck;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>The datagram → record path of destroy notifications, on captured datagrams and on noise.</summary>
public class SockDiagDestroyParserTests
{
    private static (List<SocketRecord> Records, SockDiagDestroyParseResult Result) Parse(byte[] datagram, TransportSet transports = TransportSet.All)
    {
        var records = new List<SocketRecord>();
        SockDiagDestroyParseResult result = SockDiagDestroyParser.Parse(datagram, transports, new IPAddressCache(), records);
        return (records, result);
    }

    [Theory]
    [InlineData("tcp4", Transport.Tcp, AddressFamily.InterNetwork)]
    [InlineData("tcp6", Transport.Tcp, AddressFamily.InterNetworkV6)]
    [InlineData("udp4", Transport.Udp, AddressFamily.InterNetwork)]
    [InlineData("udp6", Transport.Udp, AddressFamily.InterNetworkV6)]
    public void CapturedNotification_GivesTheClosedSocket(string name, Transport transport, AddressFamily family)
    {
        JsonElement manifest = SockDiagDestroyFixtures.Manifest(name);
        (List<SocketRecord> records, SockDiagDestroyParseResult result) = Parse(SockDiagDestroyFixtures.Datagram(name));

        Assert.Equal(0, result.Malformed);
        SocketRecord record = Assert.Single(records);
        Assert.Equal(transport, record.Transport);
        Assert.Equal(family, record.Family);
        Assert.Equal(manifest.GetProperty("cookie").GetUInt64(), record.Cookie);
        Assert.Equal(manifest.GetProperty("local_port").GetInt32(), record.LocalPort);
        Assert.Equal(manifest.GetProperty("remote_port").GetInt32(), record.RemotePort);
        IPAddress address = IPAddress.Parse(manifest.GetProperty("address").GetString()!);
        Assert.Equal(address, record.LocalAddress);
        Assert.Equal(address, record.RemoteAddress);
        // The kernel sends no owner, and a freed socket has no queue (UDP's raw wqueue is -1: normalised).
        Assert.Equal(0u, record.Uid);
        Assert.Equal(0ul, record.Inode);
        Assert.True(record.SendQueue <= 1, $"send queue {record.SendQueue}");

        if (transport == Transport.Tcp)
        {
            Assert.Equal(KernelSocketState.Close, record.State);
            Assert.NotNull(record.TcpInfo);
            ulong sent = manifest.GetProperty("sent").GetUInt64();
            ulong received = manifest.GetProperty("received").GetUInt64();
            // bytes_acked / bytes_received count the SYN and FIN sequence numbers too.
            Assert.InRange(record.TcpInfo.BytesAcked!.Value, sent, sent + 2);
            Assert.InRange(record.TcpInfo.BytesReceived!.Value, received, received + 2);
        }
        else
        {
            Assert.Null(record.TcpInfo);
            Assert.Equal(0ul, record.SendQueue);
        }
    }

    [Fact]
    public void UnwantedTransport_IsIgnored()
    {
        (List<SocketRecord> records, SockDiagDestroyParseResult result) = Parse(SockDiagDestroyFixtures.Datagram("tcp4"), TransportSet.Udp);
        Assert.Empty(records);
        Assert.Equal(1, result.Ignored);
        Assert.Equal(0, result.Malformed);
    }

    [Fact]
    public void SeveralMessagesInOneDatagram_AreAllRead()
    {
        byte[] tcp = SockDiagDestroyFixtures.Datagram("tcp4");
        byte[] udp = SockDiagDestroyFixtures.Datagram("udp6");
        (List<SocketRecord> records, _) = Parse([.. tcp, .. udp]);
        Assert.Equal([Transport.Tcp, Transport.Udp], records.Select(r => r.Transport));
    }

    [Fact]
    public void TruncatedDatagram_IsCountedMalformed()
    {
        byte[] tcp = SockDiagDestroyFixtures.Datagram("tcp4");
        (List<SocketRecord> records, SockDiagDestroyParseResult result) = Parse(tcp[..100]);
        Assert.Empty(records);
        Assert.True(result.Malformed > 0);
    }

    private static readonly Gen<byte[]> s_mutated =
        Gen.Int[0, 3].SelectMany(i => Gen.Int[0, 512].SelectMany(cut => Gen.Int[0, 512].SelectMany(pos => Gen.Byte.Select(value =>
        {
            byte[] data = SockDiagDestroyFixtures.Datagram(SockDiagDestroyFixtures.DestroyNames[i]);
            data = data[..Math.Min(cut, data.Length)];
            if (data.Length > 0)
            {
                data[pos % data.Length] = value;
            }
            return data;
        }))));

    [Fact]
    public void RandomAndCorruptedDatagrams_NeverThrow() =>
        Gen.Frequency((1, Gen.Byte.Array[0, 4096]), (3, s_mutated)).Sample(bytes =>
        {
            (List<SocketRecord> records, SockDiagDestroyParseResult result) = Parse(bytes);
            Assert.True(records.Count == result.Parsed);
        }, iter: 2_000);
}
