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

    /// <summary>The inode of the network namespace <paramref name="fd"/> refers to, read from <c>/proc/self/fd/N</c>.</summary>
    /// <exception cref="NetworkNamespaceException">The descriptor is not a network namespace.</exception>
    public static ulong IdentifyOpen(int fd, string pathForMessages)
    {
        // An open nsfs file's fd link reads "net:[INODE]"; an ordinary file's reads as its path. This needs no
        // stat struct layout (which differs per architecture) and tells a mnt/pid namespace from a net one.
        Span<byte> fdPath = stackalloc byte[40];
        "/proc/self/fd/"u8.CopyTo(fdPath);
        fd.TryFormat(fdPath[14..], out int written, provider: CultureInfo.InvariantCulture);
        fdPath[14 + written] = 0;

        Span<byte> target = stackalloc byte[256];
        nint length;
        fixed (byte* p = fdPath)
        fixed (byte* t = target)
        {
            length = Interop.Sys.ReadLinkAt(Interop.Sys.AT_FDCWD, p, t, (nuint)target.Length);
        }
        if (length < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new NetworkNamespaceException(
                $"cannot identify {pathForMessages} (readlink /proc/self/fd: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }

        ReadOnlySpan<byte> link = target[..(int)length];
        if (NamespaceLinkParser.TryParse(link, out ReadOnlySpan<byte> type, out ulong inode))
        {
            if (type.SequenceEqual("net"u8))
            {
                return inode;
            }
            throw new NetworkNamespaceException(
                $"{pathForMessages} is a {Encoding.UTF8.GetString(type)} namespace, not a network namespace", Interop.Sys.EINVAL);
        }
        throw new NetworkNamespaceException(
            $"{pathForMessages} is not a network namespace (expected /run/netns/NAME or /proc/PID/ns/net)", Interop.Sys.EINVAL);
    }

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
