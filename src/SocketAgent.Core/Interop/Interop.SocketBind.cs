using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sockets
{
    /// <summary><c>struct sockaddr_nl</c> (12 bytes): family, pad, port id (0 = let the kernel pick), multicast groups.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrNetlink
    {
        internal ushort Family;
        internal ushort Pad;
        internal uint PortId;
        internal uint Groups;
    }

    [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(SafeHandle socket, SockAddrNetlink* address, uint addressLength);
}
