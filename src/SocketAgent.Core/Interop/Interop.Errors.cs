namespace SocketAgent.Interop;

internal static partial class Sys
{
    // errno values the agent tells apart (asm-generic/errno-base.h, the same on every Linux architecture).
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EACCES = 13;
    internal const int ENOTDIR = 20;
    internal const int ERANGE = 34;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EINVAL = 22;
    internal const int EPROTONOSUPPORT = 93;
    internal const int EOPNOTSUPP = 95;
    internal const int EAFNOSUPPORT = 97;
    internal const int ENOBUFS = 105;
}
