using System.Runtime.InteropServices;

namespace SocketAgent.Workload;

/// <summary>The few libc calls .NET has no API for.</summary>
internal static partial class Interop
{
    private const string Libc = "libc";

    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_CLOEXEC = 0x80000;

    private const int PR_SET_PDEATHSIG = 1;
    private const int SIGKILL = 9;

    // prctl is variadic; on linux-x64 and linux-arm64 integer varargs travel like fixed arguments.
    [LibraryImport(Libc, SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Libc)]
    internal static partial int getppid();

    [LibraryImport(Libc, SetLastError = true)]
    private static unsafe partial int socketpair(int domain, int type, int protocol, int* sv);

    /// <summary>Asks the kernel to SIGKILL this process when its parent dies, so no child outlives a killed parent.</summary>
    internal static void KillMeWhenParentDies()
    {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException($"prctl(PR_SET_PDEATHSIG) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Creates an unnamed AF_UNIX socket pair (what `ss -x` shows with no path on either end).</summary>
    internal static unsafe (SafeHandle First, SafeHandle Second) SocketPair(int type)
    {
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new InvalidOperationException($"socketpair failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (new System.Net.Sockets.SafeSocketHandle(fds[0], ownsHandle: true),
                new System.Net.Sockets.SafeSocketHandle(fds[1], ownsHandle: true));
    }
}
