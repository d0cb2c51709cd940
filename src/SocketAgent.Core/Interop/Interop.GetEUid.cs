using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>geteuid(2): netstat's "-p" warning names it, and attribution is partial unless it is 0.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();
}
