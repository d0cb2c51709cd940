using System.Text;
using SocketAgent.Events;

namespace SocketAgent.State;

/// <summary>
/// What the agent keeps across restarts, in its state directory (<c>--state-dir</c>, default
/// <c>/var/lib/socket-agent</c>, created 0750 when missing):
/// <list type="bullet">
/// <item><c>agent-id</c>: <c>agent.id</c>, a UUID created once and kept for the life of the directory.</item>
/// <item><c>event-sequence</c>: how far <c>event.sequence</c> is reserved, and the last number whose line went out
/// (<see cref="SequenceFile"/>). Numbers are reserved in blocks before they are used, so a run that ends any way at
/// all — a crash, kill -9, a full disk — is followed by one that starts above every number the first could have
/// used: a gap is possible, a reuse is not. A clean stop gives the unused part of the block back, so a clean restart
/// continues at last + 1 and a consumer sees a contiguous sequence; after an unclean one the next run names the
/// numbers that may be missing (<see cref="UncleanStop"/>) in a <c>loss</c> line.</item>
/// <item><c>lock</c>: held (flock) by the agent using the directory, with its pid (<see cref="StateDirectoryLock"/>): a
/// second agent on the same directory fails to open it.</item>
/// </list>
/// <para>
/// A corrupt <c>agent-id</c> stops the agent (an identity silently replaced would split one host's history in two:
/// restore the file or delete it to get a new one). A corrupt <c>event-sequence</c> only gives a warning: the
/// sequence starts again at 1, which the new <c>agent.ephemeral_id</c> makes visible. The file is written in place,
/// so a full disk does not stop the numbering; a write that fails anyway (an I/O error, a read-only remount) is
/// reported once through the warning callback and the agent keeps emitting (<see cref="UnsavedReservations"/>).
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

    /// <summary>
    /// Numbers reserved per write of the sequence file: one fdatasync per this many events at most. The kernel tracer
    /// at 20,000 connections a second makes 160,000 events a second: 1,024 a block was 150 fsyncs a second there
    /// (4.6 % of the agent's CPU); 16,384 is 10. A crash leaves at most this many numbers unused, never reused.
    /// </summary>
    public const int ReservationBlock = 16_384;

    private readonly Lock _lock = new();
    private readonly SequenceFile _sequence;
    private readonly StateDirectoryLock _directoryLock;
    private readonly Action<string>? _warn;
    private readonly long _start;
    private long _writes;
    private long _unsaved;
    private string? _lastFailure;

    private AgentStateStore(string directory, StateDirectoryLock directoryLock, string agentId, SequenceFile sequence, Action<string>? warn)
    {
        _directoryLock = directoryLock;
        _sequence = sequence;
        _warn = warn;
        Directory = directory;
        AgentId = agentId;
        // Above everything the previous run could have used; what it reserved beyond its last flush may be missing.
        _start = sequence.Reserved;
        if (sequence.Reserved > sequence.Flushed)
        {
            UncleanStop = (sequence.Flushed + 1, sequence.Reserved);
        }
    }

    /// <summary>The state directory, as given.</summary>
    public string Directory { get; }

    /// <summary><c>agent.id</c>: kept across restarts.</summary>
    public string AgentId { get; }

    /// <summary>Where this run's numbering starts: its first event gets this + 1.</summary>
    public long LastSequence => _start;

    /// <summary>
    /// After a run that did not stop cleanly: the numbers it had reserved after its last flushed line. Each was
    /// either emitted before the end or never used; none will be used again.
    /// </summary>
    public (long First, long Last)? UncleanStop { get; }

    /// <summary>Writes of the sequence file that failed (the agent went on numbering: see the class remarks).</summary>
    public long UnsavedReservations => Interlocked.Read(ref _unsaved);

    /// <summary>Writes of the sequence file that reached the disk (fdatasync'd).</summary>
    internal long SequenceWrites => Interlocked.Read(ref _writes);

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
            string path = Path.Combine(directory, SequenceFileName);
            SequenceFile sequence;
            try
            {
                sequence = SequenceFile.Open(path, FileMode, warn);
                // Proves the file writable now rather than at the first reservation; the state read stays as it was.
                sequence.Write(sequence.Reserved, sequence.Flushed);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new AgentStateException(directory,
                    $"cannot write to the state directory '{directory}': {ex.Message} (make it writable for the agent's user, or pass --state-dir DIR)", ex);
            }
            return new AgentStateStore(directory, directoryLock, agentId, sequence, warn);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Releases the directory's lock (the process's exit does too).</summary>
    public void Dispose()
    {
        _sequence.Dispose();
        _directoryLock.Dispose();
    }

    /// <summary>This run's identity: the kept <c>agent.id</c>, a new <c>agent.ephemeral_id</c>, and the boot id.</summary>
    public AgentIdentity CreateIdentity(string version, string bootIdPath = BootIdReader.DefaultPath) =>
        new(AgentId, Guid.NewGuid().ToString(), version, BootIdReader.Read(bootIdPath));

    /// <summary>A sequencer that continues from <see cref="LastSequence"/>, reserving numbers in blocks through this store.</summary>
    public EventSequencer CreateSequencer(TimeProvider? timeProvider = null) => new(LastSequence, timeProvider, Reserve);

    /// <summary>The number reserved so far: none above it has been handed out.</summary>
    public long Reserved
    {
        get
        {
            lock (_lock)
            {
                return _sequence.Reserved;
            }
        }
    }

    /// <summary>The last number recorded as flushed.</summary>
    public long Flushed
    {
        get
        {
            lock (_lock)
            {
                return _sequence.Flushed;
            }
        }
    }

    /// <summary>
    /// Reserves every number up to at least <paramref name="needed"/> (a block beyond it) before the sequencer hands
    /// it out, and returns the new reservation.
    /// </summary>
    public long Reserve(long needed)
    {
        lock (_lock)
        {
            if (needed <= _sequence.Reserved)
            {
                return _sequence.Reserved;
            }
            long reserved = needed + ReservationBlock - 1;
            Save(reserved, _sequence.Flushed);
            return reserved;
        }
    }

    /// <summary>Records that every line up to <paramref name="lastSequence"/> went out (after each cycle's flush).</summary>
    public void SaveSequence(long lastSequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastSequence);
        lock (_lock)
        {
            Save(Math.Max(_sequence.Reserved, lastSequence), lastSequence);
        }
    }

    /// <summary>
    /// A clean stop after every line up to <paramref name="lastSequence"/> went out: the rest of the reserved block is
    /// given back, so the next run continues at <paramref name="lastSequence"/> + 1 without a gap.
    /// </summary>
    public void SaveCleanStop(long lastSequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastSequence);
        lock (_lock)
        {
            Save(lastSequence, lastSequence);
        }
    }

    private void Save(long reserved, long flushed)
    {
        try
        {
            _sequence.Write(reserved, flushed);
            Interlocked.Increment(ref _writes);
            _lastFailure = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // In place, a full disk cannot fail this; an I/O error or a read-only remount can. Stopping the data path
            // would lose every event; going on risks, after a crash before the disk recovers, numbers that were not
            // on disk being handed out again. The agent goes on and says so, once per distinct error.
            Interlocked.Increment(ref _unsaved);
            if (_lastFailure != ex.Message)
            {
                _lastFailure = ex.Message;
                _warn?.Invoke($"cannot save event.sequence in '{Directory}': {ex.Message}; numbering goes on, but a crash before this is fixed could reuse numbers");
            }
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
        try
        {
            SequenceFile.WriteReplacing(path, content, FileMode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string directory = Path.GetDirectoryName(path) ?? path;
            throw new AgentStateException(directory,
                $"cannot write to the state directory '{directory}': {ex.Message} (make it writable for the agent's user, or pass --state-dir DIR)", ex);
        }
    }
}
