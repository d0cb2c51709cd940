using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.State;

/// <summary>
/// <c>&lt;state-dir&gt;/lock</c>: an exclusive flock(2) held for the life of the process, the file holding the
/// holder's pid. Two agents on one state directory would interleave <c>event.sequence</c> and write the same spool
/// segments; the second one fails at start instead. The kernel drops the lock when the holder exits in any way
/// (kill -9 included), so a lock file left behind is never stale: only a live holder blocks.
/// </summary>
internal sealed class StateDirectoryLock : IDisposable
{
    public const string FileName = "lock";

    private readonly SafeFileHandle _handle;

    private StateDirectoryLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock without waiting and writes this process's pid into the file.</summary>
    /// <exception cref="AgentStateException">Another process holds it (the message names the file and that process's pid), or the file cannot be used.</exception>
    public static StateDirectoryLock Acquire(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string path = System.IO.Path.Combine(directory, FileName);
        SafeFileHandle handle;
        try
        {
            handle = Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentStateException(directory,
                $"cannot open the lock file '{path}' of the state directory: {ex.Message} (make it writable for the agent's user, or pass --state-dir DIR)", ex);
        }

        try
        {
            while (Interop.Sys.Flock(handle, Interop.Sys.LOCK_EX | Interop.Sys.LOCK_NB) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Sys.EAGAIN)
                {
                    string holder = ReadHolder(handle) is int pid ? $"pid {pid}" : "another process";
                    throw new AgentStateException(path,
                        $"the state directory '{directory}' is in use by {holder} (it holds '{path}'): run one agent per --state-dir");
                }
                if (errno != Interop.Sys.EINTR)
                {
                    throw new AgentStateException(path, $"cannot lock '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
                }
            }

            // Ours now: replace whatever pid a previous holder left.
            Span<byte> text = stackalloc byte[16];
            Environment.ProcessId.TryFormat(text, out int length, provider: CultureInfo.InvariantCulture);
            text[length++] = (byte)'\n';
            RandomAccess.Write(handle, text[..length], 0);
            RandomAccess.SetLength(handle, length);
            return new StateDirectoryLock(handle, path);
        }
        catch (Exception ex)
        {
            handle.Dispose();
            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new AgentStateException(path, $"cannot write the state directory's lock file '{path}': {ex.Message}", ex);
            }
            throw;
        }
    }

    /// <summary>Releases the lock (closing the descriptor drops it); the file stays, it is not stale.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Opens (creating it 0640 if missing) the lock file with openat(2) itself: a .NET FileStream would take a
    /// flock of its own (its FileShare emulation) and fail, or block a reader, before ours is even tried.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static unsafe SafeFileHandle Open(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
                }).Dispose();
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another agent created it at the same moment: the flock decides.
            }
        }

        int length = Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = length < 1024 ? stackalloc byte[length + 1] : new byte[length + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        bytes[^1] = 0;
        int fd;
        fixed (byte* p = bytes)
        {
            while ((fd = Interop.Sys.OpenAt(Interop.Sys.AT_FDCWD, p, Interop.Sys.O_RDWR | Interop.Sys.O_CLOEXEC)) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Interop.Sys.EINTR)
                {
                    throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
                }
            }
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The pid the holder wrote, or null when the file does not hold one (yet).</summary>
    private static int? ReadHolder(SafeFileHandle handle)
    {
        Span<byte> text = stackalloc byte[32];
        try
        {
            int read = RandomAccess.Read(handle, text, 0);
            return int.TryParse(Encoding.ASCII.GetString(text[..read]).AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
