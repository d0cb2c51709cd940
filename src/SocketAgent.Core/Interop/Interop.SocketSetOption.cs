using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sockets
{
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVTIMEO = 20;

    /// <summary><c>struct timeval</c> on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeValue
    {
        internal long Seconds;
        internal long Microseconds;
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(SafeHandle socket, int level, int name, void* value, uint valueLength);
}
