using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary><c>NS_GET_NSTYPE = _IO(0xb7, 0x3)</c> (linux/nsfs.h, Linux ≥ 4.11): returns the CLONE_NEW* type of an nsfs descriptor.</summary>
    internal const uint NS_GET_NSTYPE = 0xb703;

    // The other CLONE_NEW* types, to name what a wrong --netns path is (linux/sched.h).
    internal const int CLONE_NEWTIME = 0x80;
    internal const int CLONE_NEWNS = 0x20000;
    internal const int CLONE_NEWCGROUP = 0x02000000;
    internal const int CLONE_NEWUTS = 0x04000000;
    internal const int CLONE_NEWIPC = 0x08000000;
    internal const int CLONE_NEWUSER = 0x10000000;
    internal const int CLONE_NEWPID = 0x20000000;

    internal const int ENOTTY = 25;

    /// <summary>ioctl(2) with no argument: -1 and errno (ENOTTY for a file that is not a namespace) on failure.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int IoctlNoArg(int fd, nuint request);
}
