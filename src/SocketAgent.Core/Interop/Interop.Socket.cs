using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

/// <summary>
/// libc socket calls for the families .NET's <see cref="System.Net.Sockets.Socket"/> cannot open (AF_NETLINK).
/// Raw descriptors never leave this folder and <see cref="Collection.Netlink.SafeNetlinkHandle"/>.
/// </summary>
internal static partial class Sockets
{
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;

    /// <summary><c>int socket(int domain, int type, int protocol)</c>; -1 and errno on failure.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);
}
