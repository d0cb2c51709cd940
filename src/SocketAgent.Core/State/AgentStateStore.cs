using System.Text;
using SocketAgent.Events;

namespace SocketAgent.State;

/// <summary>
/// What the agent keeps across restarts, in its state directory (<c>--state-dir</c>, default
/// <c>/var/lib/socket-agent</c>, created 0750 when missing):
/// <list type="bullet">
/// <item><c>agent-id</c>: <c>agent.id</c>, a UUID created once and kept for the life of the directory.</item>
/// <item><c>event-sequence</c>: the last <c>event.sequence</c> emitted, rewritten atomically (temp file, fsync,
/// rename, directory fsync) after each cycle's output has been flushed.</item>
/// <item><c>lock</c>: held (flock) by the agent using the directory, with its pid (<see cref="StateDirectoryLock"/>): a
/// second agent on the same directory fails to open it.</item>
/// </list>
/// Because the sequence is saved only once the cycle's lines are out, a clean restart continues at last + 1 and a
/// consumer sees a contiguous sequence. After a crash (or a power loss) between the flush and the save, the next run
/// repeats sequence numbers already sent: the repeated events carry a different <c>event.id</c> and
/// <c>agent.ephemeral_id</c>, so a consumer can tell duplicates of a number from lost events. The save never goes
/// backwards in a running agent, so a gap is always a loss.
/// <para>
/// A corrupt <c>agent-id</c> stops the agent (an identity silently replaced would split one host's history in two:
/// restore the file or delete it to get a new one). A corrupt <c>event-sequence</c> only gives a warning: the
/// sequence starts again at 1, which the new <c>agent.ephemeral_id</c> makes visible.
/// </para>
/// </summary>
public sealed class AgentStateStore : IDisposable
{
    public const string DefaultDirectory = "/var/lib/socket-agent";
    public const string AgentIdFileName = "agent-id";
    public const string SequenceFileName = "event-sequence";

    /// <summary>rwxr-x---: the agent's group (an operator, a log shipper) may read its id; nobody else.</summary>
    public const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private readonly Lock _lock = new();
    private readonly string _sequencePath;
    private readonly StateDirectoryLock _directoryLock;
    private long _savedSequence;
    private long _directorySyncs;

    private AgentStateStore(string directory, StateDirectoryLock directoryLock, string agentId, long lastSequence)
    {
        _directoryLock = directoryLock;
        Directory = directory;
        AgentId = agentId;
        _savedSequence = lastSequence;
        _sequencePath = Path.Combine(directory, SequenceFileName);
    }

    /// <summary>The state directory, as given.</summary>
    public string Directory { get; }

    /// <summary><c>agent.id</c>: kept across restarts.</summary>
    public string AgentId { get; }

    /// <summary>The last sequence persisted: the next run's first event gets this + 1.</summary>
    public long LastSequence => Volatile.Read(ref _savedSequence);

    /// <summary>Directory fsyncs after the sequence file's renames (for tests: the rename is made durable).</summary>
    internal long DirectorySyncs => Interlocked.Read(ref _directorySyncs);

    /// <summary>
    /// Opens (creating it if needed) the state directory, reads or creates <c>agent-id</c>, reads
    /// <c>event-sequence</c>, and proves the directory writable by saving the sequence back — so a read-only file
    /// system or a permission problem stops the agent at start, not after its first cycle. The directory stays
    /// locked (<c>lock</c>) until <see cref="Dispose"/> or the end of the process.
    /// </summary>
    /// <param name="warn">Receives one line per recoverable problem (a corrupt sequence file).</param>
    /// <exception cref="AgentStateException">The directory cannot be created or written, <c>agent-id</c> is unusable, or another process holds the directory's lock.</exception>
    public static AgentStateStore Open(string directory, Action<string>? warn = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        try
        {
            DirectorySync.CreateDirectory(directory, DirectoryMode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentStateException(directory,
                $"cannot create the state directory '{directory}': {ex.Message} (create it writable for the agent's user, or pass --state-dir DIR)", ex);
        }

        // Before anything is read: what a second agent would read is being changed by the first.
        StateDirectoryLock directoryLock = StateDirectoryLock.Acquire(directory);
        try
        {
            string agentId = ReadOrCreateAgentId(directory);
            long lastSequence = ReadSequence(Path.Combine(directory, SequenceFileName), warn);
            var store = new AgentStateStore(directory, directoryLock, agentId, lastSequence);
            store.SaveSequence(lastSequence);
            return store;
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Releases the directory's lock (the process's exit does too).</summary>
    public void Dispose() => _directoryLock.Dispose();

    /// <summary>This run's identity: the kept <c>agent.id</c>, a new <c>agent.ephemeral_id</c>, and the boot id.</summary>
    public AgentIdentity CreateIdentity(string version, string bootIdPath = BootIdReader.DefaultPath) =>
        new(AgentId, Guid.NewGuid().ToString(), version, BootIdReader.Read(bootIdPath));

    /// <summary>A sequencer that continues from <see cref="LastSequence"/>.</summary>
    public EventSequencer CreateSequencer(TimeProvider? timeProvider = null) => new(LastSequence, timeProvider);

    /// <summary>
    /// Persists <paramref name="lastSequence"/> (call it after the events up to it are flushed). Atomic: a reader —
    /// or the next run after a crash — sees the old value or the new one, never a torn file.
    /// </summary>
    /// <exception cref="AgentStateException">The file could not be written.</exception>
    public void SaveSequence(long lastSequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastSequence);
        Span<byte> text = stackalloc byte[24];
        lastSequence.TryFormat(text, out int length, provider: System.Globalization.CultureInfo.InvariantCulture);
        text[length++] = (byte)'\n';
        lock (_lock)
        {
            WriteAtomically(_sequencePath, text[..length]);
            Volatile.Write(ref _savedSequence, lastSequence);
            Interlocked.Increment(ref _directorySyncs);
        }
    }

    private static string ReadOrCreateAgentId(string directory)
    {
        string path = Path.Combine(directory, AgentIdFileName);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            string id = Guid.NewGuid().ToString();
            WriteAtomically(path, Encoding.ASCII.GetBytes(id + "\n"));
            return id;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentStateException(path, $"cannot read '{path}' (agent.id): {ex.Message}", ex);
        }

        if (!Guid.TryParseExact(text.AsSpan().Trim(), "D", out Guid parsed))
        {
            throw new AgentStateException(path,
                $"'{path}' does not hold a UUID (agent.id): restore it, or delete it to give this agent a new identity");
        }
        return parsed.ToString();
    }

    private static long ReadSequence(string path, Action<string>? warn)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warn?.Invoke($"cannot read '{path}' ({ex.Message}): event.sequence starts again at 1");
            return 0;
        }

        if (!long.TryParse(text.AsSpan().Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            warn?.Invoke($"'{path}' does not hold a sequence number: event.sequence starts again at 1");
            return 0;
        }
        return value;
    }

    /// <summary>
    /// temp file + fsync + rename(2) over the old file + fsync of the directory: the old or the new content survives
    /// any crash, and once this returns a power loss cannot bring the old one back.
    /// </summary>
    private static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = System.IO.FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = FileMode,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            string directory = Path.GetDirectoryName(path) ?? path;
            throw new AgentStateException(directory,
                $"cannot write to the state directory '{directory}': {ex.Message} (make it writable for the agent's user, or pass --state-dir DIR)", ex);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
