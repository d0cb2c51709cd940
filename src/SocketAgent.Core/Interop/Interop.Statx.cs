using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_TYPE = 0x1;
    internal const uint STATX_INO = 0x100;

    /// <summary>Offset of <c>__u16 stx_mode</c> in <c>struct statx</c>; its <c>S_IFMT</c> bits are the file type.</summary>
    internal const int StatxModeOffset = 28;
    internal const int S_IFMT = 0xF000;
    internal const int S_IFREG = 0x8000;

    /// <summary>Size of <c>struct statx</c> (the same on every architecture, unlike <c>struct stat</c>).</summary>
    internal const int StatxSize = 256;

    /// <summary>Offset of <c>__u64 stx_ino</c> in <c>struct statx</c>.</summary>
    internal const int StatxInoOffset = 32;

    /// <summary>statx(2) (glibc ≥ 2.28, musl ≥ 1.2.5). With <see cref="AT_EMPTY_PATH"/> and an empty path it describes <paramref name="dirfd"/> itself.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true)]
    internal static unsafe partial int Statx(int dirfd, byte* path, int flags, uint mask, byte* statxBuffer);
}
