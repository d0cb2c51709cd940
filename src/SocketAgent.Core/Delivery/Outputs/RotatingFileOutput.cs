using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Delivery.Outputs;

/// <summary>
/// JSON lines appended to a file (<c>--output file</c>), rotated by size and by age, <c>Keep</c> rotated files
/// retained, optionally gzipped, created with mode 0640 in a directory created 0750 when missing. See
/// <see cref="FileOutputOptions"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Crash safety.</b> A crash (or a full disk) mid-write can leave a torn last line. It is never continued: on
/// open, and after a failed write, the output reads the file's last byte and, when it is not a newline, writes one
/// first, so the fragment stays an (invalid) line of its own and the next event starts a clean line. Each repair is
/// counted in <see cref="TornLinesRepaired"/>. A reader of the file skips lines that do not parse.
/// </para>
/// <para>
/// <b>Buffering.</b> <see cref="Write"/> collects lines in a fixed buffer (<see cref="FileOutputOptions.BufferSize"/>)
/// and writes it when full; <see cref="Flush"/> (once per cycle) writes the rest, and fsyncs when
/// <see cref="FileOutputOptions.FsyncOnFlush"/> is set. Rotation happens between lines, before the line that would
/// pass <see cref="FileOutputOptions.MaxBytes"/> or that comes after <see cref="FileOutputOptions.MaxAge"/>.
/// </para>
/// <para>
/// <b>Errors (a full disk: ENOSPC, EDQUOT).</b> A failed write throws <see cref="IOException"/> (ENOSPC keeps its
/// errno in <see cref="Exception.HResult"/> and says "no space left" in the message); nothing accepted is dropped:
/// <list type="bullet">
/// <item>The lines already accepted (by a <see cref="Write"/> that returned) stay buffered and are written by the next
/// <see cref="Write"/> or <see cref="Flush"/> that succeeds — a line the disk took only part of is written again
/// whole, after the repair newline. <see cref="BufferedBytes"/> says how much is waiting.</item>
/// <item>A <see cref="Write"/> that throws did <b>not</b> accept its line: the buffer had no room left. The caller
/// counts that line as lost (and reports the gap); it must not crash or stop the other outputs.</item>
/// <item>A <see cref="Dispose"/> whose last flush fails throws too, after closing the file: <see cref="BufferedBytes"/>
/// read just before tells the caller what is lost.</item>
/// </list>
/// Memory stays bounded by the buffer however long the disk stays full. A rotation that fails half-way leaves every
/// byte on disk: a failed gzip keeps <c>PATH.1</c> uncompressed, a live file that could not be reopened is reopened
/// by the next call.
/// </para>
/// <para>
/// <b>Age.</b> A file found at start is as old as its birth time (statx; a file system without it reports the last
/// status change, so such a file is only rotated <see cref="FileOutputOptions.MaxAge"/> after the start). Gzip runs
/// inline in the <see cref="Write"/> that rotates: about a second per 100 MiB.
/// </para>
/// One writer per file (this process); not thread-safe. The output rotates the file itself; an external rotation
/// (logrotate) must rename, never truncate (<c>copytruncate</c>), and then have <see cref="Reopen"/> called (the
/// daemon does on SIGHUP): lines written before go to the renamed file, lines after to a new one.
/// </remarks>
public sealed class RotatingFileOutput : ILineOutput
{
    private const int NoSpaceErrno = 28;    // ENOSPC
    private const int QuotaErrno = 122;     // EDQUOT

    private readonly FileOutputOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[] _buffer;
    private int _count;
    private SafeFileHandle? _file;
    private long _length;
    private DateTimeOffset _fileStartedAt;
    // After a failed write the file may end mid-line: check (and repair) before writing again.
    private bool _tailUncertain;
    private bool _disposed;

    public RotatingFileOutput(FileOutputOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _buffer = new byte[options.BufferSize];

        Open(isStart: true);
        if (_length > 0 && IsTooOld())
        {
            Rotate();
        }
    }

    public string Name => "file";

    /// <summary>The live file's path.</summary>
    public string Path => _options.Path;

    /// <summary>Torn last lines closed with a newline (found on open, or left by a failed write) since construction.</summary>
    public long TornLinesRepaired { get; private set; }

    /// <summary>Rotations done since construction.</summary>
    public long Rotations { get; private set; }

    /// <summary>Bytes of accepted lines not yet in the file (waiting for a flush, or kept after a failed write).</summary>
    public int BufferedBytes => _count;

    /// <summary>The live file's size, as this output wrote it.</summary>
    public long FileLength => _length;

    public void Write(ReadOnlySpan<byte> json)
    {
        EnsureOpen();
        long lineLength = json.Length + 1L;
        long pending = _length + _count;
        if (pending > 0 && (IsTooOld() || (_options.MaxBytes > 0 && pending + lineLength > _options.MaxBytes)))
        {
            Rotate();
        }

        if (lineLength > _buffer.Length - _count)
        {
            Drain();
            if (lineLength > _buffer.Length)
            {
                WriteLargeLine(json);
                return;
            }
        }
        json.CopyTo(_buffer.AsSpan(_count));
        _count += json.Length;
        _buffer[_count++] = (byte)'\n';
    }

    public void Flush()
    {
        EnsureOpen();
        Drain();
        if (_options.FsyncOnFlush)
        {
            RandomAccess.FlushToDisk(_file!);
        }
    }

    /// <summary>Writes what is buffered and closes the file; throws (after closing) when that last write fails.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            Flush();
        }
        finally
        {
            _disposed = true;
            _file?.Dispose();
            _file = null;
        }
    }

    /// <summary>
    /// Writes what is buffered to the file it has open, closes it and opens the path again — the logrotate convention:
    /// after an external rename, the next lines go to a new file at the path, and none is lost or written twice.
    /// A failed last write (a full disk) is thrown after the switch: its lines stay buffered for the new file.
    /// </summary>
    public void Reopen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IOException? failed = null;
        if (_file is not null)
        {
            try
            {
                Drain();
                if (_options.FsyncOnFlush)
                {
                    RandomAccess.FlushToDisk(_file);
                }
            }
            catch (IOException ex)
            {
                failed = ex;
            }
            _file.Dispose();
            _file = null;
        }
        // As at start: a file still there (not renamed) keeps its age.
        Open(isStart: true);
        if (failed is not null)
        {
            throw failed;
        }
    }

    /// <summary>Reopens the live file when a rotation could not (a full disk, a missing directory): retried at every call.</summary>
    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_file is null)
        {
            Open(isStart: false);
        }
    }

    private bool IsTooOld() =>
        _options.MaxAge > TimeSpan.Zero && _time.GetUtcNow() - _fileStartedAt >= _options.MaxAge;

    /// <summary>Opens (creating with the configured mode) the live file and closes a torn last line.</summary>
    private void Open(bool isStart)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string path = _options.Path;
        CreateDirectory(path);
        bool existed = File.Exists(path);
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (UnauthorizedAccessException ex)
        {
            // .NET's "Access to the path is denied" says neither whose access nor what to do.
            throw new IOException($"cannot open '{path}' for writing: permission denied (make its directory writable for the agent's user, or set file.path / --file-path to a writable place)", ex);
        }
        try
        {
            long length = RandomAccess.GetLength(file);
            if (!existed || length == 0)
            {
                // Explicitly, not through the create mode: the umask must not widen or narrow it.
                File.SetUnixFileMode(file, _options.Mode);
            }
            _file = file;
            _length = length;
            _tailUncertain = length > 0;
            // A file found at start is as old as its creation (birth time); a new one starts now.
            _fileStartedAt = isStart && length > 0 ? File.GetCreationTimeUtc(path) : _time.GetUtcNow();
            RepairTail();
        }
        catch
        {
            _file = null;
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The live file's directory, created (mode 0750, like the state directory) with its missing parents: a default
    /// path under /var/log must not need a manual mkdir. A failure names the directory and the fix.
    /// </summary>
    private static void CreateDirectory(string path)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }
        // Outermost first, each with the mode: Directory.CreateDirectory gives it to the last level only.
        var missing = new Stack<string>();
        for (string? at = directory; !string.IsNullOrEmpty(at) && !Directory.Exists(at); at = System.IO.Path.GetDirectoryName(at))
        {
            missing.Push(at);
        }
        try
        {
            while (missing.TryPop(out string? next))
            {
                State.DirectorySync.CreateDirectory(next, State.AgentStateStore.DirectoryMode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = ex is UnauthorizedAccessException ? "permission denied" : ex.Message;
            throw new IOException($"cannot create the directory '{directory}' for '{path}': {reason} (create it writable for the agent's user, or set file.path / --file-path to a writable place)", ex);
        }
    }

    private void Rotate()
    {
        Drain();
        if (_options.FsyncOnFlush)
        {
            RandomAccess.FlushToDisk(_file!);
        }
        _file!.Dispose();
        _file = null;

        string? rotated = FileRotation.Rotate(_options.Path, _options.Keep);
        Rotations++;
        Open(isStart: false);
        if (rotated is not null && _options.Compress)
        {
            // After the new file exists, so a failed compression leaves PATH.1 uncompressed, never a lost file.
            FileRotation.Compress(rotated, _options.Mode);
        }
    }

    /// <summary>Writes the buffer; on failure keeps every line the file did not get whole and throws.</summary>
    private void Drain()
    {
        if (_count == 0)
        {
            return;
        }
        RepairTail();
        try
        {
            RandomAccess.Write(_file!, _buffer.AsSpan(0, _count), _length);
            _length += _count;
            _count = 0;
        }
        catch (IOException ex)
        {
            throw Failed(ex, _buffer.AsSpan(0, _count));
        }
    }

    private void WriteLargeLine(ReadOnlySpan<byte> json)
    {
        RepairTail();
        try
        {
            RandomAccess.Write(_file!, json, _length);
            RandomAccess.Write(_file!, "\n"u8, _length + json.Length);
            _length += json.Length + 1;
        }
        catch (IOException ex)
        {
            // Not accepted (it never fit the buffer): the caller counts it; the tail is repaired on the next write.
            _length = RandomAccess.GetLength(_file!);
            _tailUncertain = true;
            throw Describe(ex);
        }
    }

    /// <summary>
    /// After a failed write of <paramref name="attempted"/> at <see cref="_length"/>: drops from the buffer the lines
    /// the file got whole, keeps the rest (a torn line whole again), and returns the exception to throw.
    /// </summary>
    private IOException Failed(IOException ex, ReadOnlySpan<byte> attempted)
    {
        long actual = RandomAccess.GetLength(_file!);
        int written = (int)Math.Clamp(actual - _length, 0, attempted.Length);
        int complete = attempted[..written].LastIndexOf((byte)'\n') + 1;
        if (complete > 0)
        {
            _buffer.AsSpan(complete, _count - complete).CopyTo(_buffer);
            _count -= complete;
        }
        _length = actual;
        _tailUncertain = true;
        return Describe(ex);
    }

    private IOException Describe(IOException ex) => ex.HResult is NoSpaceErrno or QuotaErrno
        ? new IOException(
            $"file output {_options.Path}: no space left on the device; {_count} bytes of lines stay buffered for the next flush",
            ex) { HResult = ex.HResult }
        : ex;

    /// <summary>Closes a torn last line with a newline, once, before anything else is appended.</summary>
    private void RepairTail()
    {
        if (!_tailUncertain)
        {
            return;
        }
        if (_length > 0)
        {
            Span<byte> last = stackalloc byte[1];
            if (RandomAccess.Read(_file!, last, _length - 1) == 1 && last[0] != (byte)'\n')
            {
                try
                {
                    RandomAccess.Write(_file!, "\n"u8, _length);
                }
                catch (IOException ex)
                {
                    _length = RandomAccess.GetLength(_file!);
                    throw Describe(ex);
                }
                _length++;
                TornLinesRepaired++;
            }
        }
        _tailUncertain = false;
    }
}
