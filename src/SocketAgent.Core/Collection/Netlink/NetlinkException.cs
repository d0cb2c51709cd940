namespace SocketAgent.Collection.Netlink;

/// <summary>A netlink system call failed; <see cref="Errno"/> is the Linux errno.</summary>
internal sealed class NetlinkException : IOException
{
    public NetlinkException(string operation, int errno)
        : base($"netlink {operation} failed: {new System.ComponentModel.Win32Exception(errno).Message} (errno {errno})") =>
        Errno = errno;

    public int Errno { get; }
}
