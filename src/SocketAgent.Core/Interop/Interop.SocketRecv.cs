using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sockets
{
    /// <summary><c>ssize_t recv(int fd, void* buf, size_t len, int flags)</c>.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(SafeHandle socket, byte* buffer, nuint length, int flags);
}
