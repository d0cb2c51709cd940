using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sockets
{
    /// <summary><c>int close(int fd)</c>; only <see cref="Collection.Netlink.SafeNetlinkHandle"/> calls it.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
