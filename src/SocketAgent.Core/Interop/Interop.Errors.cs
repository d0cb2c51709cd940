namespace SocketAgent.Interop;

internal static partial class Sys
{
    // errno values the process scanner tells apart (asm-generic/errno-base.h, the same on every Linux architecture).
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EACCES = 13;
    internal const int ENOTDIR = 20;
    internal const int ERANGE = 34;
}
