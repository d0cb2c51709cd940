using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>read(2) into a caller-owned buffer.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);
}
