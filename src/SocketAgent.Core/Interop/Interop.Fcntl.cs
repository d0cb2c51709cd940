using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>F_SETPIPE_SZ (Linux 2.6.35): sets the capacity of the pipe behind a descriptor, rounded up to a power of two pages.</summary>
    internal const int F_SETPIPE_SZ = 1031;

    /// <summary>fcntl(2) with an int argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);
}
