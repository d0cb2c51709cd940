using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// Raw-descriptor helpers for nsfs files (<c>/proc/PID/ns/net</c>, <c>/run/netns/NAME</c>): read a namespace link,
/// open a namespace file and check that it is a network namespace. Errors are returned as -errno, or thrown as
/// <see cref="NetworkNamespaceException"/> with a message fit for the operator.
/// </summary>
internal static unsafe class NamespaceFile
{
    // "net:[18446744073709551615]" is 26 bytes; anything longer is not a namespace link.
    private const int MaxLinkLength = 64;

    /// <summary>
    /// readlinkat(<paramref name="dirfd"/>, <paramref name="path"/>) of a NUL-terminated relative path such as
    /// <c>1234/ns/net</c>. Returns 0 and the inode, -errno on failure, or -EINVAL when the link is not <c>net:[N]</c>.
    /// </summary>
    public static int ReadNetLink(int dirfd, ReadOnlySpan<byte> path, out ulong inode)
    {
        Span<byte> target = stackalloc byte[MaxLinkLength];
        nint length;
        fixed (byte* p = path)
        fixed (byte* t = target)
        {
            length = Interop.Sys.ReadLinkAt(dirfd, p, t, (nuint)target.Length);
        }
        if (length < 0)
        {
            inode = 0;
            return -Marshal.GetLastPInvokeError();
        }
        return NamespaceLinkParser.TryParseNet(target[..(int)length], out inode) ? 0 : -Interop.Sys.EINVAL;
    }

    /// <summary>The inode of the network namespace the calling thread is in (<c>/proc/thread-self/ns/net</c>).</summary>
    public static ulong CurrentThreadInode()
    {
        int result = ReadNetLink(Interop.Sys.AT_FDCWD, "/proc/thread-self/ns/net\0"u8, out ulong inode);
        if (result < 0)
        {
            throw new NetworkNamespaceException(
                $"cannot read /proc/thread-self/ns/net: {Marshal.GetPInvokeErrorMessage(-result)}", -result);
        }
        return inode;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (O_RDONLY|O_CLOEXEC|O_NONBLOCK) and checks that it is a network namespace; returns the
    /// descriptor, which the caller closes, and the namespace's inode.
    /// </summary>
    /// <exception cref="NetworkNamespaceException">The path does not exist, cannot be opened, or is not a network namespace.</exception>
    public static int OpenNetNamespace(string path, out ulong inode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        int fd = Open(path);
        if (fd < 0)
        {
            int errno = -fd;
            string reason = errno switch
            {
                Interop.Sys.ENOENT => "no such file",
                Interop.Sys.EACCES or Interop.Sys.EPERM => "permission denied (another user's process needs root or CAP_SYS_PTRACE)",
                _ => Marshal.GetPInvokeErrorMessage(errno),
            };
            throw new NetworkNamespaceException($"cannot open network namespace {path}: {reason}", errno);
        }

        try
        {
            inode = IdentifyOpen(fd, path);
            return fd;
        }
        catch
        {
            Interop.Sys.Close(fd);
            throw;
        }
    }

    /// <summary>The inode of the network namespace <paramref name="fd"/> refers to.</summary>
    /// <exception cref="NetworkNamespaceException">The descriptor is not a network namespace.</exception>
    public static ulong IdentifyOpen(int fd, string pathForMessages)
    {
        // NS_GET_NSTYPE tells an nsfs file from any other (ENOTTY) and a net namespace from a mnt or pid one. The fd's
        // /proc/self/fd link cannot: for a bind mount such as /run/netns/NAME it reads as the mount path.
        int type = Interop.Sys.IoctlNoArg(fd, Interop.Sys.NS_GET_NSTYPE);
        if (type < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new NetworkNamespaceException(
                $"{pathForMessages} is not a network namespace (expected /run/netns/NAME or /proc/PID/ns/net)",
                errno is Interop.Sys.ENOTTY or Interop.Sys.EINVAL ? Interop.Sys.EINVAL : errno);
        }
        if (type != Interop.Sys.CLONE_NEWNET)
        {
            throw new NetworkNamespaceException(
                $"{pathForMessages} is a {TypeName(type)} namespace, not a network namespace", Interop.Sys.EINVAL);
        }

        // The namespace's identity is the nsfs inode (what net:[INODE] shows); statx has one layout on every architecture.
        byte* buffer = stackalloc byte[Interop.Sys.StatxSize];
        byte empty = 0;
        if (Interop.Sys.Statx(fd, &empty, Interop.Sys.AT_EMPTY_PATH, Interop.Sys.STATX_INO, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new NetworkNamespaceException(
                $"cannot identify network namespace {pathForMessages} (statx: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }
        return MemoryMarshal.Read<ulong>(new ReadOnlySpan<byte>(buffer + Interop.Sys.StatxInoOffset, sizeof(ulong))); // host order
    }

    private static string TypeName(int cloneFlag) => cloneFlag switch
    {
        Interop.Sys.CLONE_NEWNS => "mnt",
        Interop.Sys.CLONE_NEWUTS => "uts",
        Interop.Sys.CLONE_NEWIPC => "ipc",
        Interop.Sys.CLONE_NEWUSER => "user",
        Interop.Sys.CLONE_NEWPID => "pid",
        Interop.Sys.CLONE_NEWCGROUP => "cgroup",
        Interop.Sys.CLONE_NEWTIME => "time",
        _ => string.Create(CultureInfo.InvariantCulture, $"0x{cloneFlag:x}"),
    };

    private static int Open(string path)
    {
        int length = Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = length < 1024 ? stackalloc byte[length + 1] : new byte[length + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        bytes[^1] = 0;
        fixed (byte* p = bytes)
        {
            while (true)
            {
                int fd = Interop.Sys.OpenAt(Interop.Sys.AT_FDCWD, p, Interop.Sys.O_RDONLY | Interop.Sys.O_CLOEXEC | Interop.Sys.O_NONBLOCK);
                if (fd >= 0)
                {
                    return fd;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Interop.Sys.EINTR)
                {
                    return -errno;
                }
            }
        }
    }
}
