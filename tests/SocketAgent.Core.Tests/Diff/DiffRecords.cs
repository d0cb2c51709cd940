using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Tests.Diff;

/// <summary>Synthetic records and owners for the differ tests.</summary>
internal static class DiffRecords
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly NetworkNamespace Host = new() { Inode = 4026531840, IsAgentNamespace = true };
    public static readonly NetworkNamespace Container = new() { Inode = 4026532999, Name = "c1" };

    public static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    public static SocketRecord Tcp(
        ulong? cookie, KernelSocketState state, ulong inode = 1000, int localPort = 40000, int remotePort = 80,
        ulong? bytesSent = null, uint uid = 1000, byte timer = 0) => new()
    {
        Transport = Transport.Tcp,
        Family = AddressFamily.InterNetwork,
        State = state,
        LocalAddress = IPAddress.Parse("10.0.0.1"),
        LocalPort = localPort,
        RemoteAddress = state == KernelSocketState.Listen ? IPAddress.Any : IPAddress.Parse("10.0.0.2"),
        RemotePort = state == KernelSocketState.Listen ? 0 : remotePort,
        Inode = inode,
        Uid = uid,
        Cookie = cookie,
        Timer = timer,
        TcpInfo = bytesSent is ulong sent ? new TcpInfo { State = (byte)state, BytesSent = sent, BytesAcked = sent } : null,
    };

    /// <summary>A TIME_WAIT entry as sock_diag lists it: inode and uid 0, timer 3, no tcp_info.</summary>
    public static SocketRecord TimeWait(ulong? cookie, KernelSocketState state = KernelSocketState.TimeWait, int localPort = 40000) =>
        Tcp(cookie, state, inode: 0, localPort: localPort, uid: 0, timer: 3);

    /// <summary>A destroy notification: cookie, final state CLOSE and tcp_info, inode and uid 0.</summary>
    public static SocketRecord Destroy(ulong cookie, ulong bytesSent = 5000, int localPort = 40000) =>
        Tcp(cookie, KernelSocketState.Close, inode: 0, localPort: localPort, bytesSent: bytesSent, uid: 0);

    public static SocketRecord Udp(ulong? cookie, ulong inode, int localPort = 5353) => new()
    {
        Transport = Transport.Udp,
        Family = AddressFamily.InterNetwork,
        State = KernelSocketState.Close,
        LocalAddress = IPAddress.Any,
        LocalPort = localPort,
        RemoteAddress = IPAddress.Any,
        Inode = inode,
        Cookie = cookie,
    };

    public static SocketRecord Unix(ulong? cookie, ulong inode, string? path) => new()
    {
        Transport = Transport.Unix,
        Family = AddressFamily.Unix,
        State = KernelSocketState.Listen,
        UnixType = UnixSocketType.Stream,
        UnixPath = path,
        Inode = inode,
        Cookie = cookie,
    };

    public static ProcessInfo Process(int pid, string name = "app") => new() { Pid = pid, Name = name, Args = [name], CommandLine = name };

    public static SocketOwners Owners(params (ulong Inode, ProcessInfo Process)[] entries)
    {
        var byInode = new Dictionary<ulong, ProcessInfo[]>();
        foreach ((ulong inode, ProcessInfo process) in entries)
        {
            byInode[inode] = byInode.TryGetValue(inode, out ProcessInfo[]? existing) ? [.. existing, process] : [process];
        }
        return new SocketOwners(byInode, entries.Length, 0);
    }
}
