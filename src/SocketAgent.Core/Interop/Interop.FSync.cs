using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>
    /// fsync(2) of a raw descriptor. .NET cannot open a directory as a SafeFileHandle (it refuses S_ISDIR), so the
    /// directory syncs that make a create, rename or unlink durable open it with <see cref="OpenAt"/> and call this.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);
}
