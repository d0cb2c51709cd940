namespace SocketAgent.Collection.Netlink;

/// <summary>Netlink protocol numbers (linux/netlink.h) and message-level constants.</summary>
internal static class NetlinkProtocol
{
    public const int Route = 0;
    public const int SockDiag = 4;

    // nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid.
    public const int HeaderSize = 16;
    public const int Alignment = 4;

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_ROOT = 0x100;
    public const ushort NLM_F_MATCH = 0x200;
    public const ushort NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;

    public static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);
}
