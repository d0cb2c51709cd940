using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>setns(2) nstype: the descriptor must refer to a network namespace.</summary>
    internal const int CLONE_NEWNET = 0x40000000;

    /// <summary>
    /// O_NONBLOCK (04000 on every architecture .NET runs on): opening a user-given path that turns out to be a FIFO
    /// must not block the agent; nsfs files ignore the flag.
    /// </summary>
    internal const int O_NONBLOCK = 0x800;

    /// <summary>
    /// setns(2): moves the calling thread (only it, not the process) into the namespace <paramref name="fd"/> refers
    /// to. Entering a network namespace needs CAP_SYS_ADMIN (EPERM otherwise), even for the one the thread is in.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int nstype);
}
