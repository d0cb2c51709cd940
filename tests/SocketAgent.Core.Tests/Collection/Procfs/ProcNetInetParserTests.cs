using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Procfs;

public class ProcNetInetParserTests
{
    [Fact]
    public void Tcp_CapturedFile_ExactRecords()
    {
        List<SocketRecord> records = ProcfsFixtures.ParseInet("tcp", Transport.Tcp, AddressFamily.InterNetwork);

        Assert.Equal(8, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(Transport.Tcp, r.Transport);
            Assert.Equal(AddressFamily.InterNetwork, r.Family);
            Assert.Null(r.Cookie);
            Assert.Null(r.TcpInfo);
            Assert.Equal(0, r.RawProtocol);
        });

        // A service of the machine: 0.0.0.0:2024 LISTEN.
        AssertInet(records[0], KernelSocketState.Listen, "0.0.0.0", 2024, "0.0.0.0", 0, recvQ: 0, sendQ: 0, inode: 1061);

        // tcp4-listen: one connection waits in the accept queue, so rx_queue (backlog) is 1 and tx_queue 0.
        AssertInet(records[1], KernelSocketState.Listen, "127.0.0.1", 38081, "0.0.0.0", 0, recvQ: 1, sendQ: 0, inode: 11846);
        AssertInet(records[2], KernelSocketState.Established, "127.0.0.1", 34480, "127.0.0.1", 38081, 0, 0, inode: 11847);

        // TIME_WAIT: no inode, no uid, timer 3.
        AssertInet(records[3], KernelSocketState.TimeWait, "127.0.0.1", 34488, "127.0.0.1", 38081, 0, 0, inode: 0);
        Assert.Equal(3, records[3].Timer);

        AssertInet(records[4], KernelSocketState.Established, "127.0.0.1", 34504, "127.0.0.1", 38081, 0, 0, inode: 11851);

        // tcp4-accepted: the client sent 5 bytes the server never read.
        AssertInet(records[5], KernelSocketState.Established, "127.0.0.1", 38081, "127.0.0.1", 34480, recvQ: 5, sendQ: 0, inode: 11848);

        // The not-yet-accepted server end has no file, hence no inode.
        AssertInet(records[6], KernelSocketState.Established, "127.0.0.1", 38081, "127.0.0.1", 34504, 0, 0, inode: 0);
        AssertInet(records[7], KernelSocketState.Established, "127.0.0.1", 60498, "127.0.0.1", 55585, 0, 0, inode: 11856);
    }

    [Fact]
    public void Tcp6_CapturedFile_ExactRecords_MappedAddressesBecomeIPv4()
    {
        List<SocketRecord> records = ProcfsFixtures.ParseInet("tcp6", Transport.Tcp, AddressFamily.InterNetworkV6);

        Assert.Equal(5, records.Count);
        AssertInet(records[0], KernelSocketState.Listen, "::1", 40553, "::", 0, 0, 0, inode: 11852);
        Assert.Equal(AddressFamily.InterNetworkV6, records[0].Family);
        AssertInet(records[1], KernelSocketState.Listen, "::", 55585, "::", 0, 0, 0, inode: 11855);
        AssertInet(records[2], KernelSocketState.Established, "::1", 40553, "::1", 43300, 0, 0, inode: 11854);
        AssertInet(records[3], KernelSocketState.Established, "::1", 43300, "::1", 40553, recvQ: 10, sendQ: 0, inode: 11853);

        // An IPv4 client of the dual-stack listener: ::ffff:127.0.0.1 in the file, IPv4 in the record.
        AssertInet(records[4], KernelSocketState.Established, "127.0.0.1", 55585, "127.0.0.1", 60498, 0, 0, inode: 11857);
        Assert.Equal(AddressFamily.InterNetwork, records[4].Family);
        Assert.Equal(AddressFamily.InterNetwork, records[4].RemoteAddress!.AddressFamily);
    }

    [Fact]
    public void Udp_CapturedFiles_ExactRecords()
    {
        List<SocketRecord> v4 = ProcfsFixtures.ParseInet("udp", Transport.Udp, AddressFamily.InterNetwork);
        Assert.Equal(2, v4.Count);
        // rx_queue of UDP is receive memory in use (0x340), not the 8 payload bytes.
        AssertInet(v4[0], KernelSocketState.Close, "127.0.0.1", 33946, "0.0.0.0", 0, recvQ: 0x340, sendQ: 0, inode: 11858);
        AssertInet(v4[1], KernelSocketState.Established, "127.0.0.1", 57758, "127.0.0.1", 33946, 0, 0, inode: 11859);
        Assert.All(v4, r => Assert.Equal(Transport.Udp, r.Transport));

        List<SocketRecord> v6 = ProcfsFixtures.ParseInet("udp6", Transport.Udp, AddressFamily.InterNetworkV6);
        AssertInet(Assert.Single(v6), KernelSocketState.Close, "::1", 33933, "::", 0, 0, 0, inode: 11860);
    }

    [Fact]
    public void Raw_CapturedFiles_ProtocolIsPortAndRawProtocol()
    {
        SocketRecord icmp = Assert.Single(ProcfsFixtures.ParseInet("raw", Transport.Raw, AddressFamily.InterNetwork));
        AssertInet(icmp, KernelSocketState.Close, "0.0.0.0", 1, "0.0.0.0", 0, 0, 0, inode: 11861);
        Assert.Equal(1, icmp.RawProtocol);
        Assert.Equal(Transport.Raw, icmp.Transport);

        SocketRecord icmp6 = Assert.Single(ProcfsFixtures.ParseInet("raw6", Transport.Raw, AddressFamily.InterNetworkV6));
        AssertInet(icmp6, KernelSocketState.Close, "::", 58, "::", 0, 0, 0, inode: 11862);
        Assert.Equal(58, icmp6.RawProtocol);
        Assert.Equal(AddressFamily.InterNetworkV6, icmp6.Family);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("tcp-header-only")]
    public void EmptyAndHeaderOnly_NoRecordsNoMalformed(string name)
    {
        Assert.Empty(ProcfsFixtures.ParseInet(name, Transport.Tcp, AddressFamily.InterNetwork));
        Assert.Empty(ProcfsFixtures.ParseInet(name, Transport.Tcp, AddressFamily.InterNetworkV6));
    }

    [Fact]
    public void ListeningOnly_KeepsTcpListenAndUnconnectedUdpRaw()
    {
        List<SocketRecord> tcp = ProcfsFixtures.ParseInet("tcp", Transport.Tcp, AddressFamily.InterNetwork, listeningOnly: true);
        Assert.Equal([1061UL, 11846UL], tcp.Select(r => r.Inode));

        List<SocketRecord> udp = ProcfsFixtures.ParseInet("udp", Transport.Udp, AddressFamily.InterNetwork, listeningOnly: true);
        Assert.Equal(11858UL, Assert.Single(udp).Inode);

        Assert.Single(ProcfsFixtures.ParseInet("raw", Transport.Raw, AddressFamily.InterNetwork, listeningOnly: true));
    }

    [Fact]
    public void Fields_UidTimerQueues_Parsed()
    {
        // Hand-made from the kernel's format: uid 1000, timer 2 (keepalive), negative tm->when printed as 16 digits,
        // queues 0x10/0x20, inode past 2^32, CRLF line end.
        string text =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
            "   0: 0101A8C0:1F90 0201A8C0:C350 01 00000010:00000020 02:FFFFFFFFFFFFFF9C 00000000  1000        0 4294967297 1 0000000000000000 20 4 30 10 -1\r\n";
        var results = new List<SocketRecord>();
        Assert.Equal(0, ProcNetInetParser.Parse(Encoding.ASCII.GetBytes(text), Transport.Tcp, AddressFamily.InterNetwork, false, results, new CollectionDiagnostics()));

        SocketRecord r = Assert.Single(results);
        Assert.Equal(IPAddress.Parse("192.168.1.1"), r.LocalAddress);
        Assert.Equal(8080, r.LocalPort);
        Assert.Equal(IPAddress.Parse("192.168.1.2"), r.RemoteAddress);
        Assert.Equal(50000, r.RemotePort);
        Assert.Equal(0x10UL, r.SendQueue);
        Assert.Equal(0x20UL, r.RecvQueue);
        Assert.Equal(2, r.Timer);
        Assert.Equal(1000U, r.Uid);
        Assert.Equal(4294967297UL, r.Inode);
    }

    [Fact]
    public void IPv6_WordsAreHostOrder()
    {
        // 2001:db8::1 is the words 20010db8 00000000 00000000 00000001, each printed byte-reversed on x86.
        Assert.True(BitConverter.IsLittleEndian, "fixture written for a little-endian host");
        string text = "0: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 42\n";
        var results = new List<SocketRecord>();
        ProcNetInetParser.Parse(Encoding.ASCII.GetBytes(text), Transport.Tcp, AddressFamily.InterNetworkV6, false, results, new CollectionDiagnostics());

        SocketRecord r = Assert.Single(results);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), r.LocalAddress);
        Assert.Equal(80, r.LocalPort);
        Assert.Equal(42UL, r.Inode);
    }

    [Theory]
    [InlineData("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0")] // no inode
    [InlineData("   0: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1")] // no port
    [InlineData("   0: 0100007G:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1")] // not hex
    [InlineData("   0: 0100007F:10000 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1")] // port > 16 bits
    [InlineData("   0: 0100007F:0016 00000000:0000 100 00000000:00000000 00:00000000 00000000     0        0 1")] // state > 255
    [InlineData("   0: 0100007F:0016 00000000:0000 0A 0000000000:00000000 00:00000000 00000000     0        0 1")] // queue > 32 bits
    [InlineData("   0: 0100007F:0016 00000000:0000 0A 00000000-00000000 00:00000000 00000000     0        0 1")] // no colon
    [InlineData("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000    -1        0 1")] // negative uid
    [InlineData("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999999999999999999999")] // inode overflow
    [InlineData("   0 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1")] // sl without colon
    [InlineData("   0: 00000000000000000000000001000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1")] // v6 address in v4 file
    public void MalformedLine_SkippedAndCounted(string line)
    {
        string text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
                      line + "\n" +
                      "   1: 0100007F:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7\n";
        var results = new List<SocketRecord>();
        var diagnostics = new CollectionDiagnostics();

        Assert.Equal(1, ProcNetInetParser.Parse(Encoding.ASCII.GetBytes(text), Transport.Tcp, AddressFamily.InterNetwork, false, results, diagnostics));

        Assert.Equal(7UL, Assert.Single(results).Inode);
        Assert.Equal(1, diagnostics.Get(ProcfsCounters.LinesMalformed));
    }

    private static void AssertInet(
        SocketRecord r, KernelSocketState state, string local, int localPort, string remote, int remotePort,
        ulong recvQ, ulong sendQ, ulong inode)
    {
        Assert.Equal(state, r.State);
        Assert.Equal(IPAddress.Parse(local), r.LocalAddress);
        Assert.Equal(localPort, r.LocalPort);
        Assert.Equal(IPAddress.Parse(remote), r.RemoteAddress);
        Assert.Equal(remotePort, r.RemotePort);
        Assert.Equal(recvQ, r.RecvQueue);
        Assert.Equal(sendQ, r.SendQueue);
        Assert.Equal(inode, r.Inode);
        Assert.Equal(0U, r.Uid);
        Assert.Equal(r.LocalAddress!.AddressFamily, r.Family);
    }
}
