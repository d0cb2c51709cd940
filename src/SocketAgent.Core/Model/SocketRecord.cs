using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Model;

/// <summary>
/// One socket of the host as the kernel reports it, whichever source (sock_diag or /proc/net) read it.
/// Addresses are normalised: IPv4-mapped IPv6 addresses are already IPv4 here.
/// </summary>
public sealed class SocketRecord
{
    public required Transport Transport { get; init; }

    /// <summary><see cref="AddressFamily.InterNetwork"/>, <see cref="AddressFamily.InterNetworkV6"/> or <see cref="AddressFamily.Unix"/>.</summary>
    public required AddressFamily Family { get; init; }

    /// <summary>
    /// The family of the kernel table that listed the socket. It differs from <see cref="Family"/> for an IPv4
    /// peer of a dual-stack IPv6 socket: the addresses are reported as IPv4, but the socket is in the IPv6 table
    /// (<c>/proc/net/tcp6</c>, the AF_INET6 dump), and netstat labels it <c>tcp6</c>. Defaults to <see cref="Family"/>.
    /// </summary>
    public AddressFamily TableFamily
    {
        get => _tableFamily == AddressFamily.Unspecified ? Family : _tableFamily;
        init => _tableFamily = value;
    }

    private readonly AddressFamily _tableFamily;

    public KernelSocketState State { get; init; }

    public IPAddress? LocalAddress { get; init; }
    public int LocalPort { get; init; }
    public IPAddress? RemoteAddress { get; init; }
    public int RemotePort { get; init; }

    /// <summary>Bytes waiting to be read (Recv-Q). For listeners, the accept backlog as netstat shows it.</summary>
    public ulong RecvQueue { get; init; }

    /// <summary>Bytes not yet acknowledged (Send-Q). For listeners, the backlog limit.</summary>
    public ulong SendQueue { get; init; }

    /// <summary>Owner uid. Unknown (e.g. TIME_WAIT) is reported by the kernel as 0.</summary>
    public uint Uid { get; init; }

    /// <summary>Socket inode; 0 for TIME_WAIT/SYN_RECV entries and for sockets being closed.</summary>
    public ulong Inode { get; init; }

    /// <summary>The kernel's socket cookie (SO_COOKIE), stable for the socket's life; null when the source cannot read it (/proc/net).</summary>
    public ulong? Cookie { get; init; }

    /// <summary>Interface index the socket is bound to (SO_BINDTODEVICE / scope id), 0 when none.</summary>
    public uint InterfaceIndex { get; init; }

    /// <summary>Raw sockets: the IP protocol number (the "port" /proc/net/raw prints).</summary>
    public int RawProtocol { get; init; }

    /// <summary>TCP only, sock_diag only, and only for full sockets (not TIME_WAIT / SYN_RECV).</summary>
    public TcpInfo? TcpInfo { get; init; }

    /// <summary>Kernel retransmit timer state (0 off, 1 on, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe), as netstat -o shows.</summary>
    public byte Timer { get; init; }

    // ---- UNIX sockets ----
    public UnixSocketType UnixType { get; init; }

    /// <summary>Bound path; abstract names start with '@'. Null when unbound.</summary>
    public string? UnixPath { get; init; }

    /// <summary>Inode of the connected peer socket, 0 when none.</summary>
    public ulong UnixPeerInode { get; init; }

    /// <summary>/proc/net/unix's RefCnt (netstat -x prints it); null when the source does not have it.</summary>
    public int? UnixRefCount { get; init; }

    /// <summary>/proc/net/unix's Flags (__SO_ACCEPTCON = 0x10000); null when the source does not have it.</summary>
    public uint? UnixFlags { get; init; }

    public bool IsListening => State == KernelSocketState.Listen;
}
