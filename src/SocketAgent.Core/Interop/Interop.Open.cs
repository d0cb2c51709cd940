using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000; // 02000000 on every Linux architecture .NET runs on

    /// <summary>
    /// O_DIRECTORY is architecture specific: 0200000 on x86/x64 (and most others), 040000 on ARM and ARM64.
    /// </summary>
    internal static int O_DIRECTORY { get; } = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 => 0x4000,
        _ => 0x10000,
    };

    internal const int AT_FDCWD = -100;

    /// <summary>openat(2). <paramref name="path"/> is a NUL-terminated byte string.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true)]
    internal static unsafe partial int OpenAt(int dirfd, byte* path, int flags);
}
