namespace SocketAgent.Delivery.Outputs;

/// <summary>Settings of <see cref="RotatingFileOutput"/> (<c>--output file --file-path PATH</c>).</summary>
public sealed class FileOutputOptions
{
    /// <summary>100 MiB.</summary>
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    /// <summary>rw-r-----: the agent's group (a log shipper) may read the events; nobody else.</summary>
    public const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(24);

    /// <summary>The live file (<c>/var/log/socket-agent/events.jsonl</c>); rotated files are <c>PATH.1</c>, <c>PATH.2</c>… (<c>.gz</c> when compressed).</summary>
    public required string Path { get; init; }

    /// <summary>
    /// Rotate before a line would take the file past this size; a line is never split, so only a single line longer
    /// than this makes a file larger. 0 turns size rotation off.
    /// </summary>
    /// <value>The default value is 100 MiB.</value>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>
    /// Rotate before writing a line once the file is this old (counted from its creation; a file found at start that
    /// is already older is rotated before the first line). <see cref="TimeSpan.Zero"/> turns time rotation off.
    /// </summary>
    /// <value>The default value is 24 hours.</value>
    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;

    /// <summary>How many rotated files to keep (<c>PATH.1</c> newest … <c>PATH.Keep</c> oldest); 0 keeps none.</summary>
    /// <value>The default value is 7.</value>
    public int Keep { get; init; } = 7;

    /// <summary>Gzip each rotated file (<c>PATH.1.gz</c>); the live file is never compressed.</summary>
    /// <value>The default value is false.</value>
    public bool Compress { get; init; }

    /// <summary>
    /// fsync(2) at every <see cref="RotatingFileOutput.Flush"/>: lines survive a power loss, at the cost of a disk
    /// round trip per cycle. Without it a flush survives a crash of the agent (the lines are in the page cache).
    /// </summary>
    /// <value>The default value is false.</value>
    public bool FsyncOnFlush { get; init; }

    /// <summary>Mode of the files the output creates (the live file and rotated gzip files), set regardless of the umask.</summary>
    /// <value>The default value is 0640.</value>
    public UnixFileMode Mode { get; init; } = DefaultMode;

    /// <summary>Bytes of lines collected between writes to the file.</summary>
    /// <value>The default value is 64 KiB.</value>
    public int BufferSize { get; init; } = 64 * 1024;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Path);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(Keep);
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, 1);
    }
}
