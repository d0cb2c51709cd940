using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>
    /// readlinkat(2): resolves <paramref name="path"/> relative to <paramref name="dirfd"/>. The result is not
    /// NUL-terminated; the return value is its length, or -1 with errno set.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "readlinkat", SetLastError = true)]
    internal static unsafe partial nint ReadLinkAt(int dirfd, byte* path, byte* buffer, nuint bufferSize);
}
