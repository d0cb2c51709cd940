namespace SocketAgent.Interop;

internal static partial class Sockets
{
    /// <summary>Linux errno values the netlink code acts on (asm-generic/errno*.h).</summary>
    internal static class Errno
    {
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int EINTR = 4;
        internal const int EAGAIN = 11;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EINVAL = 22;
        internal const int EPROTONOSUPPORT = 93;
        internal const int EOPNOTSUPP = 95;
        internal const int EAFNOSUPPORT = 97;
        internal const int ENOBUFS = 105;
    }
}
