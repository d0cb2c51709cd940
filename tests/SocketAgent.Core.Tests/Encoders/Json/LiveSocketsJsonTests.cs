using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>
/// Real sockets of this process (<see cref="LiveSockets"/>), described by hand-built records (the collectors are tested
/// elsewhere): real ports, inodes and cookies, this process's real command line.
/// </summary>
public sealed class LiveSocketsJsonTests
{
    private const int SolSocket = 1;
    private const int SoCookie = 57;

    [Fact]
    public void LiveSockets_AreSchemaValid_AndBothEndsShareCommunityId()
    {
        using var live = LiveSockets.Open(spawnChild: false);

        ProcessInfo self = ReadSelf();
        var records = new List<SocketRecord>
        {
            Inet(live.TcpV4Listener, Transport.Tcp, KernelSocketState.Listen),
            Inet(live.TcpV4Client, Transport.Tcp, KernelSocketState.Established),
            Inet(live.TcpV4Server, Transport.Tcp, KernelSocketState.Established),
            Inet(live.UdpV6Bound, Transport.Udp, KernelSocketState.Close),
            Inet(live.UdpV6Connected, Transport.Udp, KernelSocketState.Established),
            Unix(live.UnixListener, UnixSocketType.Stream, KernelSocketState.Listen, live.UnixPath),
            Unix(live.AbstractDgram, UnixSocketType.Dgram, KernelSocketState.Close, "@" + live.AbstractDgramName),
        };
        var owners = new SocketOwners(records.ToDictionary(r => r.Inode, _ => new[] { self }), 1, 0);

        string[] lines = JsonLines.Write(TestRecords.Snapshot(records, owners));

        Assert.Equal(records.Count, lines.Length);
        JsonElement[] docs = lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        string? clientId = docs[1].Str("network.community_id");
        Assert.NotNull(clientId);
        Assert.Equal(clientId, docs[2].Str("network.community_id"));
        Assert.Equal(CommunityId.Compute(records[1]), clientId);
        Assert.False(docs[0].Has("network.community_id"));
        Assert.False(docs[3].Has("network.community_id"));
        Assert.NotNull(docs[4].Str("network.community_id"));
        Assert.All(docs, d => Assert.Equal(Environment.ProcessId, d.Get("process.pid").GetInt32()));
        Assert.All(docs, d => Assert.Equal(self.Args.Count, d.Get("process.args").GetArrayLength()));
        Assert.Equal(records[0].Cookie, docs[0].U64("socket.cookie"));
    }

    private static SocketRecord Inet(Socket socket, Transport transport, KernelSocketState state)
    {
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var remote = socket.Connected ? (IPEndPoint)socket.RemoteEndPoint! : null;
        bool v6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        return new SocketRecord
        {
            Transport = transport,
            Family = socket.AddressFamily,
            State = state,
            LocalAddress = local.Address,
            LocalPort = local.Port,
            RemoteAddress = remote?.Address ?? (v6 ? IPAddress.IPv6Any : IPAddress.Any),
            RemotePort = remote?.Port ?? 0,
            Uid = 1000,
            Inode = LiveSockets.InodeOf(socket),
            Cookie = CookieOf(socket),
        };
    }

    private static SocketRecord Unix(Socket socket, UnixSocketType type, KernelSocketState state, string path) => new()
    {
        Transport = Transport.Unix,
        Family = AddressFamily.Unix,
        State = state,
        UnixType = type,
        UnixPath = path,
        Inode = LiveSockets.InodeOf(socket),
        Cookie = CookieOf(socket),
    };

    private static ulong CookieOf(Socket socket)
    {
        Span<byte> cookie = stackalloc byte[8];
        Assert.Equal(8, socket.GetRawSocketOption(SolSocket, SoCookie, cookie));
        return BitConverter.ToUInt64(cookie);
    }

    private static ProcessInfo ReadSelf()
    {
        string[] args = File.ReadAllText("/proc/self/cmdline", Encoding.UTF8).TrimEnd('\0').Split('\0');
        return new ProcessInfo
        {
            Pid = Environment.ProcessId,
            ParentPid = 1,
            Name = File.ReadAllText("/proc/self/comm").TrimEnd('\n'),
            Args = args,
            CommandLine = string.Join(' ', args),
            Executable = Environment.ProcessPath,
            Uid = 0,
            StartTime = DateTimeOffset.UtcNow,
        };
    }
}
