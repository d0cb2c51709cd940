using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>Clock ticks per second, the unit of /proc/pid/stat times.</summary>
    internal const int _SC_CLK_TCK = 2;

    [LibraryImport(Libraries.Libc, EntryPoint = "sysconf", SetLastError = true)]
    internal static partial long SysConf(int name);
}
