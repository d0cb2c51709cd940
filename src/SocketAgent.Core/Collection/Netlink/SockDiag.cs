namespace SocketAgent.Collection.Netlink;

/// <summary>sock_diag constants (linux/sock_diag.h, inet_diag.h, unix_diag.h).</summary>
internal static class SockDiag
{
    public const ushort SOCK_DIAG_BY_FAMILY = 20;

    public const byte AF_UNIX = 1;
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;

    public const byte IPPROTO_TCP = 6;
    public const byte IPPROTO_UDP = 17;
    public const byte IPPROTO_RAW = 255;

    public const uint AllStates = 0xFFFFFFFF;

    public static uint StateMask(Model.KernelSocketState state) => 1u << (int)state;

    /// <summary>TIME_WAIT and request sockets (SYN_RECV, NEW_SYN_RECV): the entries Diff.SocketRemnant recognises.</summary>
    public static readonly uint TcpRemnantStates = StateMask(Model.KernelSocketState.TimeWait)
        | StateMask(Model.KernelSocketState.SynRecv) | StateMask(Model.KernelSocketState.NewSynRecv);

    // inet_diag_req_v2 (56 B): family, protocol, ext, pad (raw: sdiag_raw_protocol), u32 states, sockid (48 B).
    public const int InetRequestSize = 56;

    // inet_diag_msg (72 B); attributes follow.
    public const int InetMessageSize = 72;

    // Response attribute types (enum in inet_diag.h).
    public const ushort INET_DIAG_INFO = 2;
    public const ushort INET_DIAG_PROTOCOL = 10;

    /// <summary>The <c>idiag_ext</c> bit that asks for attribute <paramref name="attribute"/>.</summary>
    public static byte ExtensionBit(ushort attribute) => (byte)(1 << (attribute - 1));

    // unix_diag_req (24 B): family, protocol, pad, u32 states, u32 ino, u32 show, u32 cookie[2].
    public const int UnixRequestSize = 24;

    // unix_diag_msg (16 B): family, type, state, pad, u32 ino, u32 cookie[2].
    public const int UnixMessageSize = 16;

    public const uint UDIAG_SHOW_NAME = 0x01;
    public const uint UDIAG_SHOW_PEER = 0x04;
    public const uint UDIAG_SHOW_RQLEN = 0x10;

    public const ushort UNIX_DIAG_NAME = 0;
    public const ushort UNIX_DIAG_PEER = 2;
    public const ushort UNIX_DIAG_RQLEN = 4;
}
