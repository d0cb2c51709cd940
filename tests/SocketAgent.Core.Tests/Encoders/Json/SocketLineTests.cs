using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

public class SocketLineTests
{
    [Fact]
    public void CommonFields_ArePresent()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.TcpListenerV4);

        Assert.Equal("2026-11-25T13:00:00.123456700Z", doc.Str("@timestamp"));
        Assert.Equal("socket", doc.Str("event.dataset"));
        Assert.Equal("snapshot", doc.Str("event.action"));
        Assert.Equal("state", doc.Str("event.kind"));
        Assert.Equal(["network"], doc.Get("event.category").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["info"], doc.Get("event.type").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("host-1", doc.Str("host.name"));
        Assert.Equal("0123456789abcdef0123456789abcdef", doc.Str("host.id"));
    }

    [Fact]
    public void TcpListenerV4_IsItsServerEnd_WithNoCommunityId()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.TcpListenerV4, profile: FieldProfile.Full);

        Assert.Equal("tcp", doc.Str("network.transport"));
        Assert.Equal("ipv4", doc.Str("network.type"));
        Assert.Equal("6", doc.Str("network.iana_number"));
        Assert.False(doc.Has("network.community_id"));
        Assert.Equal("LISTEN", doc.Str("socket.state"));
        Assert.Equal(10, doc.Get("socket.state_code").GetInt32());
        Assert.Equal("0.0.0.0", doc.Str("server.ip"));
        Assert.Equal(22, doc.Get("server.port").GetInt32());
        Assert.False(doc.Has("source"));
        Assert.False(doc.Has("destination"));
        Assert.Equal(128UL, doc.U64("socket.send_q"));
        Assert.Equal(0UL, doc.U64("socket.recv_q"));
        Assert.Equal(23456UL, doc.U64("socket.inode"));
        Assert.Equal(4097UL, doc.U64("socket.cookie"));
        Assert.False(doc.Has("socket.tcp_info"));
        Assert.False(doc.Has("socket.processes"));
        Assert.False(doc.Has("socket.path"));
        Assert.Equal("0", doc.Str("user.id"));
        Assert.Equal("root", doc.Str("user.name"));
        Assert.Equal(812, doc.Get("process.pid").GetInt32());
        Assert.Equal("sshd", doc.Str("process.name"));
        Assert.Equal("2026-11-20T08:30:00.000000500Z", doc.Str("process.start"));
        Assert.Equal(1, doc.Get("process.parent.pid").GetInt32());
        Assert.False(doc.Has("container"));
    }

    [Fact]
    public void TcpEstablishedV6_HasCommunityIdTcpInfoAndContainer()
    {
        SocketRecord record = TestRecords.TcpEstablishedV6;
        JsonElement doc = JsonLines.WriteOne(record, profile: FieldProfile.Full);

        Assert.Equal("ipv6", doc.Str("network.type"));
        Assert.Equal(CommunityId.Compute(6, record.LocalAddress!, 51000, record.RemoteAddress!, 443), doc.Str("network.community_id"));
        Assert.Equal("ESTABLISHED", doc.Str("socket.state"));
        Assert.Equal("source", doc.Str("socket.local_end"));
        Assert.Equal("2001:db8::10", doc.Str("source.ip"));
        Assert.Equal("2001:db8:1::443", doc.Str("destination.ip"));
        Assert.Equal(443, doc.Get("destination.port").GetInt32());

        JsonElement tcp = doc.Get("socket.tcp_info");
        TcpInfo info = TestRecords.FullTcpInfo;
        Assert.Equal(info.RttMicros, tcp.Get("rtt_us").GetUInt32());
        Assert.Equal(info.RttVarMicros, tcp.Get("rttvar_us").GetUInt32());
        Assert.Equal(info.RtoMicros, tcp.Get("rto_us").GetUInt32());
        Assert.Equal(info.MinRttMicros, tcp.Get("min_rtt_us").GetUInt32());
        Assert.Equal(info.Retransmits, tcp.Get("retransmits").GetByte());
        Assert.Equal(info.TotalRetrans, tcp.Get("total_retrans").GetUInt32());
        Assert.Equal(info.BytesSent, tcp.Get("bytes_sent").GetUInt64());
        Assert.Equal(info.BytesAcked, tcp.Get("bytes_acked").GetUInt64());
        Assert.Equal(info.BytesReceived, tcp.Get("bytes_received").GetUInt64());
        Assert.Equal(info.BytesRetrans, tcp.Get("bytes_retrans").GetUInt64());
        Assert.Equal(info.PacingRate, tcp.Get("pacing_rate").GetUInt64());
        // 2147483647 is the kernel's "no threshold yet", not a measurement.
        Assert.False(tcp.Has("snd_ssthresh"));
        Assert.Equal(info.DeliveryRate, tcp.Get("delivery_rate").GetUInt64());
        Assert.Equal(info.BusyTimeMicros, tcp.Get("busy_time_us").GetUInt64());
        Assert.Equal(info.LastDataSentMillis, tcp.Get("last_data_sent_ms").GetUInt32());
        Assert.Equal(info.LastDataRecvMillis, tcp.Get("last_data_recv_ms").GetUInt32());
        Assert.Equal(info.SndWnd, tcp.Get("snd_wnd").GetUInt32());
        Assert.Equal(info.RcvWnd, tcp.Get("rcv_wnd").GetUInt32());
        Assert.Equal(info.TotalRto, tcp.Get("total_rto").GetUInt16());
        Assert.Equal(info.TotalRtoTimeMillis, tcp.Get("total_rto_time_ms").GetUInt32());
        Assert.Equal(30, tcp.EnumerateObject().Count());

        Assert.Equal("1000", doc.Str("user.id"));
        Assert.Equal("alice", doc.Str("user.name"));
        Assert.Equal(["curl", "-s", "https://example.com/a b"], doc.Get("process.args").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, doc.Get("process.args_count").GetInt32());
        Assert.Equal("curl -s 'https://example.com/a b'", doc.Str("process.command_line"));
        Assert.Equal("/usr/bin/curl", doc.Str("process.executable"));
        // The user once: the socket's user is the process's.
        Assert.False(doc.Has("process.user"));
        Assert.Equal(TestRecords.Curl.ContainerId, doc.Str("container.id"));
    }

    [Fact]
    public void TcpEstablishedV6_Default_IsLean()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.TcpEstablishedV6);

        TcpInfo info = TestRecords.FullTcpInfo;
        JsonElement tcp = doc.Get("socket.tcp_info");
        Assert.Equal(["rtt_us", "total_retrans", "bytes_acked", "bytes_received", "snd_cwnd", "delivery_rate"], tcp.EnumerateObject().Select(p => p.Name));
        Assert.Equal(info.BytesAcked, tcp.Get("bytes_acked").GetUInt64());
        Assert.Equal(["curl", "-s", "https://example.com/a b"], doc.Get("process.args").EnumerateArray().Select(e => e.GetString()));
        foreach (string absent in new[] { "process.command_line", "process.args_count", "process.start", "process.user", "network.iana_number",
            "socket.state_code", "socket.recv_q", "client", "server", "socket.local", "socket.remote" })
        {
            Assert.False(doc.Has(absent), absent);
        }
        Assert.Equal(517UL, doc.U64("socket.send_q"));
    }

    [Fact]
    public void TcpEstablishedV6_Minimal_WhoTalkedToWhom()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.TcpEstablishedV6, profile: FieldProfile.Minimal);

        Assert.Equal("2001:db8::10", doc.Str("source.ip"));
        Assert.Equal(443, doc.Get("destination.port").GetInt32());
        Assert.Equal(4242, doc.Get("process.pid").GetInt32());
        Assert.Equal("curl", doc.Str("process.name"));
        Assert.Equal("/usr/bin/curl", doc.Str("process.executable"));
        Assert.Equal("alice", doc.Str("user.name"));
        foreach (string absent in new[] { "socket.tcp_info", "process.args", "process.parent", "socket.send_q", "socket.recv_q" })
        {
            Assert.False(doc.Has(absent), absent);
        }
    }

    [Fact]
    public void KernelSentinelsAndValuesAboveSigned64_AreLeftOut()
    {
        TcpInfo sentinels = new()
        {
            RttMicros = 10, SndSsthresh = TcpInfoJsonWriter.InfiniteSsthresh, PacingRate = ulong.MaxValue,
            BytesAcked = (ulong)long.MaxValue + 1, BytesReceived = 7,
        };
        SocketRecord v6 = TestRecords.TcpEstablishedV6;
        var record = new SocketRecord
        {
            Transport = v6.Transport, Family = v6.Family, State = v6.State, LocalAddress = v6.LocalAddress, LocalPort = v6.LocalPort,
            RemoteAddress = v6.RemoteAddress, RemotePort = v6.RemotePort, Inode = v6.Inode, Cookie = v6.Cookie, TcpInfo = sentinels,
        };
        long before = KernelValues.Dropped;

        JsonElement tcp = JsonLines.WriteOne(record, profile: FieldProfile.Full).Get("socket.tcp_info");

        Assert.False(tcp.Has("snd_ssthresh"));
        Assert.False(tcp.Has("pacing_rate"));
        Assert.False(tcp.Has("bytes_acked"));
        Assert.Equal(7UL, tcp.Get("bytes_received").GetUInt64());
        // Sentinels are not measurements (not counted); the out-of-range counter is (other tests may count too).
        Assert.True(KernelValues.Dropped >= before + 1);
    }

    [Fact]
    public void TruncatedTcpInfo_OmitsAbsentFields()
    {
        JsonElement tcp = JsonLines.WriteOne(TestRecords.TcpTruncatedInfo, profile: FieldProfile.Full).Get("socket.tcp_info");

        Assert.Equal(45U, tcp.Get("rtt_us").GetUInt32());
        Assert.Equal(1, tcp.Get("retransmits").GetInt32());
        Assert.Equal(0U, tcp.Get("total_retrans").GetUInt32());
        foreach (string absent in new[] { "bytes_sent", "bytes_acked", "pacing_rate", "delivery_rate", "min_rtt_us", "snd_wnd", "total_rto", "dsack_dups" })
        {
            Assert.False(tcp.Has(absent), absent);
        }
    }

    [Fact]
    public void TimeWait_HasNoUserAndNoProcess()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.TcpTimeWait);

        Assert.Equal("TIME_WAIT", doc.Str("socket.state"));
        Assert.Equal(0UL, doc.U64("socket.inode"));
        Assert.NotNull(doc.Str("network.community_id"));
        Assert.False(doc.Has("user"));
        Assert.False(doc.Has("process"));
    }

    [Fact]
    public void UdpUnconnected_HasBlankStateAndNoCommunityId()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.UdpUnconnectedV4, SocketOwners.Empty, FieldProfile.Full);

        Assert.Equal("udp", doc.Str("network.transport"));
        Assert.Equal("17", doc.Str("network.iana_number"));
        Assert.Equal("", doc.Str("socket.state"));
        Assert.Equal(7, doc.Get("socket.state_code").GetInt32());
        Assert.False(doc.Has("network.community_id"));
        Assert.Equal("108", doc.Str("user.id"));
        Assert.False(doc.Has("user.name"));
        Assert.False(doc.Has("process"));
    }

    [Fact]
    public void UdpConnectedV6_ScopeGoesToInterfaceIndex()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.UdpConnectedV6);

        Assert.Equal("ESTABLISHED", doc.Str("socket.state"));
        Assert.Equal("fe80::1", doc.Str(doc.Str("socket.local_end") + ".ip"));
        Assert.Equal(2U, doc.Get("socket.interface.index").GetUInt32());
        Assert.Equal(1024UL, doc.U64("socket.recv_q"));
        Assert.Equal(
            CommunityId.Compute(17, IPAddress.Parse("fe80::1"), 40123, IPAddress.Parse("fe80::53"), 53),
            doc.Str("network.community_id"));
    }

    [Fact]
    public void Raw_HasProtocolAndNoCommunityId()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.RawIcmpV6);

        Assert.Equal("raw", doc.Str("network.transport"));
        Assert.Equal("58", doc.Str("network.iana_number"));
        Assert.Equal(58, doc.Get("socket.raw_protocol").GetInt32());
        Assert.Equal("7", doc.Str("socket.state"));
        Assert.False(doc.Has("destination")); // no peer: "::" and port 0 are not an end
        Assert.False(doc.Has("network.community_id"));
    }

    [Fact]
    public void UnixPath()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.UnixPath);

        Assert.Equal("unix", doc.Str("network.transport"));
        Assert.False(doc.Has("network.type"));
        Assert.False(doc.Has("network.iana_number"));
        Assert.False(doc.Has("socket.local"));
        Assert.False(doc.Has("socket.remote"));
        Assert.Equal("/run/systemd/notify", doc.Str("socket.path"));
        Assert.Equal("dgram", doc.Str("socket.unix.type"));
        Assert.False(doc.Has("socket.unix.peer_inode"));
        Assert.Equal("", doc.Str("socket.state"));
        Assert.False(doc.Has("socket.tcp_info"));
        Assert.False(doc.Has("user")); // UNIX sockets carry no uid; without a holder the owner is unknown
    }

    [Fact]
    public void Unix_UserIsTheHolders()
    {
        var owners = new SocketOwners(new Dictionary<ulong, ProcessInfo[]> { [5001] = [TestRecords.Curl] }, 1, 0);
        JsonElement doc = JsonLines.WriteOne(TestRecords.UnixPath, owners);

        Assert.Equal("1000", doc.Str("user.id"));
        Assert.Equal("alice", doc.Str("user.name"));
    }

    [Fact]
    public void UnixAbstractListener()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.UnixAbstractListener);

        Assert.Equal("@/tmp/.X11-unix/X0", doc.Str("socket.path"));
        Assert.Equal("stream", doc.Str("socket.unix.type"));
        Assert.Equal("LISTENING", doc.Str("socket.state"));
    }

    [Fact]
    public void UnixUnboundConnected_HasPeerAndNoPath()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.UnixUnboundConnected);

        Assert.False(doc.Has("socket.path"));
        Assert.Equal("seqpacket", doc.Str("socket.unix.type"));
        Assert.Equal(5004UL, doc.U64("socket.unix.peer_inode"));
        Assert.Equal("CONNECTED", doc.Str("socket.state"));
    }

    [Fact]
    public void MultiOwner_ListsEveryHolder_FirstIsProcess()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.MultiOwnerListener);

        Assert.Equal(100, doc.Get("process.pid").GetInt32());
        JsonElement[] holders = doc.Get("socket.processes").EnumerateArray().ToArray();
        Assert.Equal([100, 101, 102], holders.Select(h => h.Get("pid").GetInt32()));
        Assert.Equal("nginx: worker process", holders[1].Get("args")[0].GetString());
        Assert.Equal(100, holders[2].Get("parent.pid").GetInt32());
        Assert.Equal("www-data", holders[2].Str("user.name"));
        // The socket's uid (0) is the master's, so its name is the master's user.
        Assert.Equal("root", doc.Str("user.name"));
    }

    [Fact]
    public void ProcfsRecord_HasNoCookie()
    {
        JsonElement doc = JsonLines.WriteOne(TestRecords.ProcfsEstablished);

        Assert.False(doc.Has("socket.cookie"));
        Assert.False(doc.Has("socket.tcp_info"));
        Assert.Equal(7001UL, doc.U64("socket.inode"));
        Assert.NotNull(doc.Str("network.community_id"));
    }

    [Fact]
    public void ProcessWithoutOptionalFields()
    {
        var kthread = new ProcessInfo { Pid = 2, Name = "kthreadd" };
        var owners = new SocketOwners(new Dictionary<ulong, ProcessInfo[]> { [3001] = [kthread] }, 1, 0);
        JsonElement doc = JsonLines.WriteOne(TestRecords.UdpUnconnectedV4, owners, FieldProfile.Full);

        Assert.Equal(2, doc.Get("process.pid").GetInt32());
        Assert.Equal(0, doc.Get("process.args").GetArrayLength());
        Assert.Equal(0, doc.Get("process.args_count").GetInt32());
        Assert.False(doc.Has("process.executable"));
        Assert.False(doc.Has("process.parent"));
        Assert.False(doc.Has("process.start"));
        Assert.Equal("", doc.Str("process.command_line"));
    }

    [Fact]
    public void HostWithoutId_OmitsId()
    {
        var snapshot = new SocketSnapshot
        {
            Timestamp = TestRecords.Timestamp,
            Host = new HostIdentity("bare", null),
            Sockets = [TestRecords.UnixPath],
            Owners = SocketOwners.Empty,
            Source = "procfs",
        };
        using JsonDocument doc = JsonDocument.Parse(JsonLines.Write(snapshot)[0]);

        Assert.Equal("bare", doc.RootElement.Str("host.name"));
        Assert.False(doc.RootElement.Has("host.id"));
    }

    [Fact]
    public void Action_IsPassedThrough_AndClassifiesTheLine()
    {
        // Without an envelope such a line is not schema-valid (kind "event" needs event.id): only the document is checked.
        using JsonDocument doc = JsonDocument.Parse(JsonLines.WriteBytes(TestRecords.Snapshot([TestRecords.TcpListenerV4]), "opened"));

        Assert.Equal("opened", doc.RootElement.Str("event.action"));
        Assert.Equal("event", doc.RootElement.Str("event.kind"));
        Assert.Equal(["connection", "start"], doc.RootElement.Get("event.type").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Timestamp_IsConvertedToUtc()
    {
        var snapshot = new SocketSnapshot
        {
            Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(9),
            Host = TestRecords.Host,
            Sockets = [TestRecords.UnixPath],
            Owners = SocketOwners.Empty,
            Source = "netlink",
        };
        using JsonDocument doc = JsonDocument.Parse(JsonLines.Write(snapshot)[0]);

        Assert.Equal("2026-01-02T01:04:05.000000900Z", doc.RootElement.Str("@timestamp"));
    }
}
