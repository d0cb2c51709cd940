using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>
    /// getdents64(2): fills <paramref name="buffer"/> with <c>struct linux_dirent64</c> records
    /// (u64 d_ino @0, s64 d_off @8, u16 d_reclen @16, u8 d_type @18, NUL-terminated d_name @19).
    /// Returns the bytes written, 0 at the end, -1 on error. glibc ≥ 2.30 exports it; musl keeps the symbol for ABI.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getdents64", SetLastError = true)]
    internal static unsafe partial nint GetDents64(int fd, byte* buffer, nuint count);

    internal const int DirentNameOffset = 19;
    internal const int DirentRecLenOffset = 16;
}
