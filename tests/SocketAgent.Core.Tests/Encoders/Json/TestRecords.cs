using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Synthetic sockets of every kind the encoder handles, with the owners that hold them.</summary>
internal static class TestRecords
{
    public static readonly DateTimeOffset Timestamp = new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero).AddTicks(1234567);
    public static readonly HostIdentity Host = new("host-1", "0123456789abcdef0123456789abcdef");

    public static readonly ProcessInfo Sshd = new()
    {
        Pid = 812,
        ParentPid = 1,
        Name = "sshd",
        Args = ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
        CommandLine = "'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'",
        Executable = "/usr/sbin/sshd",
        Uid = 0,
        UserName = "root",
        StartTime = new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero).AddTicks(5),
    };

    public static readonly ProcessInfo Curl = new()
    {
        Pid = 4242,
        ParentPid = 4000,
        Name = "curl",
        Args = ["curl", "-s", "https://example.com/a b"],
        CommandLine = "curl -s 'https://example.com/a b'",
        Executable = "/usr/bin/curl",
        Uid = 1000,
        UserName = "alice",
        StartTime = new DateTimeOffset(2026, 11, 25, 12, 59, 58, TimeSpan.Zero),
        Cgroup = new CgroupIdentity { ContainerId = "4f6d1e8a2c3b5d7e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6" },
    };

    public static readonly ProcessInfo[] NginxWorkers =
    [
        new() { Pid = 100, ParentPid = 1, Name = "nginx", Args = ["nginx: master process /usr/sbin/nginx"], CommandLine = "'nginx: master process /usr/sbin/nginx'", Executable = "/usr/sbin/nginx", Uid = 0, UserName = "root" },
        new() { Pid = 101, ParentPid = 100, Name = "nginx", Args = ["nginx: worker process"], CommandLine = "'nginx: worker process'", Executable = "/usr/sbin/nginx", Uid = 33, UserName = "www-data" },
        new() { Pid = 102, ParentPid = 100, Name = "nginx", Args = ["nginx: worker process"], CommandLine = "'nginx: worker process'", Executable = "/usr/sbin/nginx", Uid = 33, UserName = "www-data" },
    ];

    public static TcpInfo FullTcpInfo => new()
    {
        State = 1, CaState = 0, Retransmits = 0, RtoMicros = 204000, SndMss = 1428, Unacked = 1, Lost = 0, Retrans = 0,
        LastDataSentMillis = 4, LastDataRecvMillis = 8, Pmtu = 1500, RttMicros = 1875, RttVarMicros = 937, SndSsthresh = 2147483647,
        SndCwnd = 10, TotalRetrans = 2, PacingRate = 15232000, BytesAcked = 518, BytesReceived = 4325, SegsOut = 12, SegsIn = 11,
        NotsentBytes = 0, MinRttMicros = 1203, DeliveryRate = 2640000, BusyTimeMicros = 12000, Delivered = 11, BytesSent = 1035,
        BytesRetrans = 517, DsackDups = 0, SndWnd = 64128, RcvWnd = 65536, TotalRto = 1, TotalRtoTimeMillis = 210,
    };

    /// <summary>What a 4.6 kernel sends: the struct ends after tcpi_total_retrans/pacing fields are absent.</summary>
    public static TcpInfo TruncatedTcpInfo => new()
    {
        State = 1, Retransmits = 1, RtoMicros = 201000, SndMss = 1448, Unacked = 0, Lost = 0, Retrans = 0,
        LastDataSentMillis = 100, LastDataRecvMillis = 100, Pmtu = 65535, RttMicros = 45, RttVarMicros = 22,
        SndSsthresh = 2147483647, SndCwnd = 10, TotalRetrans = 0,
    };

    public static SocketRecord TcpListenerV4 => new()
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Listen,
        LocalAddress = IPAddress.Any, LocalPort = 22, RemoteAddress = IPAddress.Any, RemotePort = 0,
        RecvQueue = 0, SendQueue = 128, Uid = 0, Inode = 23456, Cookie = 4097,
    };

    public static SocketRecord TcpEstablishedV6 => new()
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetworkV6, State = KernelSocketState.Established,
        LocalAddress = IPAddress.Parse("2001:db8::10"), LocalPort = 51000, RemoteAddress = IPAddress.Parse("2001:db8:1::443"), RemotePort = 443,
        RecvQueue = 0, SendQueue = 517, Uid = 1000, Inode = 99887, Cookie = 8192, TcpInfo = FullTcpInfo,
    };

    public static SocketRecord TcpTruncatedInfo => new()
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Established,
        LocalAddress = IPAddress.Loopback, LocalPort = 40000, RemoteAddress = IPAddress.Loopback, RemotePort = 6379,
        Uid = 1000, Inode = 5555, Cookie = 77, TcpInfo = TruncatedTcpInfo,
    };

    public static SocketRecord TcpTimeWait => new()
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, State = KernelSocketState.TimeWait,
        LocalAddress = IPAddress.Parse("192.0.2.1"), LocalPort = 443, RemoteAddress = IPAddress.Parse("198.51.100.7"), RemotePort = 60001,
        Uid = 0, Inode = 0, Cookie = 31337, Timer = 3,
    };

    public static SocketRecord UdpUnconnectedV4 => new()
    {
        Transport = Transport.Udp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Close,
        LocalAddress = IPAddress.Any, LocalPort = 5353, RemoteAddress = IPAddress.Any, RemotePort = 0,
        Uid = 108, Inode = 3001, Cookie = 12,
    };

    public static SocketRecord UdpConnectedV6 => new()
    {
        Transport = Transport.Udp, Family = AddressFamily.InterNetworkV6, State = KernelSocketState.Established,
        LocalAddress = IPAddress.Parse("fe80::1%2"), LocalPort = 40123, RemoteAddress = IPAddress.Parse("fe80::53"), RemotePort = 53,
        Uid = 1000, Inode = 3002, Cookie = 13, InterfaceIndex = 2, RecvQueue = 1024,
    };

    public static SocketRecord RawIcmpV6 => new()
    {
        Transport = Transport.Raw, Family = AddressFamily.InterNetworkV6, State = KernelSocketState.Close,
        LocalAddress = IPAddress.IPv6Any, LocalPort = 58, RemoteAddress = IPAddress.IPv6Any, RemotePort = 0,
        RawProtocol = 58, Uid = 0, Inode = 4001, Cookie = 14,
    };

    public static SocketRecord UnixPath => new()
    {
        Transport = Transport.Unix, Family = AddressFamily.Unix, State = KernelSocketState.Close,
        UnixType = UnixSocketType.Dgram, UnixPath = "/run/systemd/notify", Inode = 5001, Cookie = 15,
    };

    public static SocketRecord UnixAbstractListener => new()
    {
        Transport = Transport.Unix, Family = AddressFamily.Unix, State = KernelSocketState.Listen,
        UnixType = UnixSocketType.Stream, UnixPath = "@/tmp/.X11-unix/X0", Inode = 5002, Cookie = 16, RecvQueue = 0, SendQueue = 4096,
    };

    public static SocketRecord UnixUnboundConnected => new()
    {
        Transport = Transport.Unix, Family = AddressFamily.Unix, State = KernelSocketState.Established,
        UnixType = UnixSocketType.SeqPacket, UnixPeerInode = 5004, Inode = 5003, Cookie = 17,
    };

    public static SocketRecord MultiOwnerListener => new()
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetworkV6, State = KernelSocketState.Listen,
        LocalAddress = IPAddress.IPv6Any, LocalPort = 80, RemoteAddress = IPAddress.IPv6Any, RemotePort = 0,
        SendQueue = 511, Uid = 0, Inode = 6001, Cookie = 18,
    };

    /// <summary>As /proc/net/tcp gives it: no cookie, no tcp_info.</summary>
    public static SocketRecord ProcfsEstablished => new()
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Established,
        LocalAddress = IPAddress.Parse("10.0.0.5"), LocalPort = 55312, RemoteAddress = IPAddress.Parse("10.0.0.9"), RemotePort = 5432,
        RecvQueue = 0, SendQueue = 0, Uid = 1000, Inode = 7001, Cookie = null, Timer = 2,
    };

    public static SocketOwners Owners => new(
        new Dictionary<ulong, ProcessInfo[]>
        {
            [23456] = [Sshd],
            [99887] = [Curl],
            [5555] = [Curl],
            [7001] = [Curl],
            [6001] = NginxWorkers,
        },
        processesScanned: 5,
        processesDenied: 0);

    public static IReadOnlyList<SocketRecord> All =>
    [
        TcpListenerV4, TcpEstablishedV6, TcpTruncatedInfo, TcpTimeWait, UdpUnconnectedV4, UdpConnectedV6, RawIcmpV6,
        UnixPath, UnixAbstractListener, UnixUnboundConnected, MultiOwnerListener, ProcfsEstablished,
    ];

    public static SocketSnapshot Snapshot(IReadOnlyList<SocketRecord> sockets, SocketOwners? owners = null) => new()
    {
        Timestamp = Timestamp,
        Host = Host,
        Sockets = sockets,
        Owners = owners ?? Owners,
        Source = "netlink",
    };
}
