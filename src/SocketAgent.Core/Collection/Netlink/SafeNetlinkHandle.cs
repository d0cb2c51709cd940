using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Netlink;

/// <summary>Owns a netlink socket descriptor and closes it exactly once.</summary>
internal sealed class SafeNetlinkHandle : SafeHandle
{
    public SafeNetlinkHandle() : base(invalidHandleValue: -1, ownsHandle: true) { }

    internal SafeNetlinkHandle(int fd) : this() => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Interop.Sys.Close((int)handle) == 0;
}
