using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>For the state directory's lock file, opened without .NET (whose FileShare emulation takes a flock of its own).</summary>
    internal const int O_RDWR = 2;

    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;

    /// <summary>
    /// flock(2): an advisory lock on the open file description, released by the kernel when the last descriptor
    /// to it closes — so a process killed with SIGKILL leaves no stale lock behind.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(SafeFileHandle fd, int operation);
}
