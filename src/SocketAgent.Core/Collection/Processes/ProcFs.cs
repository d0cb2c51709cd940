using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// Raw-descriptor helpers for /proc: open a directory, read a whole small file or a link relative to it. The scanner
/// calls these thousands of times, so they take NUL-terminated byte names and return errno instead of throwing.
/// </summary>
internal static unsafe class ProcFs
{
    /// <summary>Longest link target we read (PATH_MAX).</summary>
    internal const int MaxLinkLength = 4096;

    /// <summary>Opens <paramref name="path"/> (relative to <paramref name="dirfd"/>) as a directory; returns the fd or -errno.</summary>
    public static int OpenDirectory(int dirfd, ReadOnlySpan<byte> path)
    {
        Span<byte> name = path.Length < 256 ? stackalloc byte[path.Length + 1] : new byte[path.Length + 1];
        path.CopyTo(name);
        name[^1] = 0;
        fixed (byte* p = name)
        {
            return OpenDirectory(dirfd, p);
        }
    }

    /// <summary>Opens the NUL-terminated <paramref name="path"/> as a directory; returns the fd or -errno.</summary>
    public static int OpenDirectory(int dirfd, byte* path)
    {
        while (true)
        {
            int fd = Interop.Sys.OpenAt(dirfd, path, Interop.Sys.O_RDONLY | Interop.Sys.O_DIRECTORY | Interop.Sys.O_CLOEXEC);
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

    /// <summary>Opens a path such as <c>/proc</c> as a directory; returns the fd or -errno.</summary>
    public static int OpenDirectory(string path)
    {
        int length = Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = length < 1024 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(path, bytes);
        return OpenDirectory(Interop.Sys.AT_FDCWD, bytes);
    }

    /// <summary>
    /// Reads the whole file <paramref name="name"/> (NUL-terminated, relative to <paramref name="dirfd"/>) into
    /// <paramref name="buffer"/>, a rented array that is swapped for a larger rented one as needed. Returns the
    /// length, or -errno. /proc files report size 0, so read until EOF.
    /// </summary>
    public static int ReadFile(int dirfd, ReadOnlySpan<byte> name, ref byte[] buffer)
    {
        int fd;
        fixed (byte* p = name)
        {
            while ((fd = Interop.Sys.OpenAt(dirfd, p, Interop.Sys.O_RDONLY | Interop.Sys.O_CLOEXEC)) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Interop.Sys.EINTR)
                {
                    return -errno;
                }
            }
        }

        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                nint n;
                fixed (byte* b = &buffer[length])
                {
                    n = Interop.Sys.Read(fd, b, (nuint)(buffer.Length - length));
                }
                if (n == 0)
                {
                    return length;
                }
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Interop.Sys.EINTR)
                    {
                        continue;
                    }
                    return -errno;
                }
                length += (int)n;
            }
        }
        finally
        {
            Interop.Sys.Close(fd);
        }
    }

    /// <summary>readlinkat into <paramref name="target"/>; returns the length (truncated at the span's size) or -errno.</summary>
    public static int ReadLink(int dirfd, byte* name, Span<byte> target)
    {
        fixed (byte* t = target)
        {
            nint n = Interop.Sys.ReadLinkAt(dirfd, name, t, (nuint)target.Length);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }
}
