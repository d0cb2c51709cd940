using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sockets
{
    /// <summary>
    /// <c>ssize_t send(int fd, const void* buf, size_t len, int flags)</c>. An unconnected netlink socket sends to
    /// port id 0, the kernel, so no destination address is needed.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "send", SetLastError = true)]
    internal static unsafe partial nint Send(SafeHandle socket, byte* buffer, nuint length, int flags);
}
