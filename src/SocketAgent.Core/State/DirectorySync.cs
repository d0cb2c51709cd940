using System.Runtime.InteropServices;
using SocketAgent.Collection.Processes;

namespace SocketAgent.State;

/// <summary>
/// fsync(2) on a directory. A file's own fsync makes its content durable but not its name: after a power loss a new
/// file, a rename over an old one (the atomic temp + rename saves) or an unlink can be undone unless the directory
/// holding the entry is synced too.
/// </summary>
internal static class DirectorySync
{
    /// <summary>Makes the entries of <paramref name="directory"/> (files created, renamed or removed in it) durable.</summary>
    /// <exception cref="IOException">The directory cannot be opened or the sync failed (EIO: the entries may be lost); the message names it.</exception>
    public static void Flush(string directory) => Flush(directory, Interop.Sys.FSync);

    /// <summary>
    /// <see cref="Flush(string)"/> with fsync(2) passed in (it must set the last P/Invoke error when it fails): the
    /// seam through which tests see which descriptor is synced, and make the call fail.
    /// </summary>
    internal static void Flush(string directory, Func<int, int> fsync)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        int fd = ProcFs.OpenDirectory(directory);
        if (fd < 0)
        {
            throw Failure("open", directory, -fd);
        }
        try
        {
            while (fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL: a file system that cannot sync directories (some FUSE ones); there is nothing more to do.
                if (errno == Interop.Sys.EINVAL)
                {
                    return;
                }
                if (errno != Interop.Sys.EINTR)
                {
                    throw Failure("fsync", directory, errno);
                }
            }
        }
        finally
        {
            Interop.Sys.Close(fd);
        }
    }

    /// <summary>
    /// Directory.CreateDirectory, then a sync of the parent of each directory it created, so the new directory's
    /// name survives a power loss like the files that will go into it.
    /// </summary>
    public static void CreateDirectory(string directory, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string? missing = null;
        for (string? at = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)); !string.IsNullOrEmpty(at) && !Directory.Exists(at); at = Path.GetDirectoryName(at))
        {
            missing = at;
        }
        Directory.CreateDirectory(directory, mode);
        for (string? at = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)); missing is not null && !string.IsNullOrEmpty(at) && at.Length >= missing.Length; at = Path.GetDirectoryName(at))
        {
            TryFlushParent(at);
        }
    }

    /// <summary>
    /// Syncs <paramref name="directory"/>'s parent, best effort: after creating a directory its own name must be
    /// durable too, but the parent (<c>/var/lib</c>) may not be readable by the agent's user — then the directory
    /// was most likely created by the installer long ago.
    /// </summary>
    public static void TryFlushParent(string directory)
    {
        string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        if (string.IsNullOrEmpty(parent))
        {
            return;
        }
        try
        {
            Flush(parent);
        }
        catch (IOException)
        {
        }
    }

    private static IOException Failure(string call, string directory, int errno) =>
        new($"cannot {call} the directory '{directory}' to make its entries durable: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
}
