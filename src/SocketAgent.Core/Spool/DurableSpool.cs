using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SocketAgent.Delivery;
using SocketAgent.State;

namespace SocketAgent.Spool;

/// <summary>
/// A disk queue of <see cref="DeliveryRecord"/>s between the event stream and one remote output, in its own
/// directory (<c>&lt;state-dir&gt;/spool/&lt;output&gt;</c>): segment files of checksummed records
/// (<see cref="SpoolRecordFormat"/>) and the acknowledgement <c>watermark</c>.
/// <para>
/// The collection loop appends (<see cref="TryAppend"/>, then <see cref="EndBatch"/> once per cycle); the delivery loop
/// reads from its own cursor (<see cref="Read"/>) and moves the watermark over what the remote confirmed
/// (<see cref="Acknowledge"/>), which deletes fully acknowledged segments. One appender and one reader/acker may run
/// concurrently; fsync runs outside the lock so a slow disk does not stall the reader.
/// </para>
/// <para>
/// Full (<see cref="SpoolOptions.MaxBytes"/>): the newest events are dropped — the ones already spooled are older and
/// already promised — counted, and their sequence ranges handed out by <see cref="TakeLoss"/> once there is room again.
/// </para>
/// <para>
/// On open, every segment is validated record by record; a torn or corrupt tail is cut off (the file truncated after
/// its last good record) and reported in <see cref="RecoveryIssues"/>. Corruption in the middle of a segment ends that
/// segment the same way (the records after it cannot be found reliably without their length) and recovery continues
/// with the next segment. Appends after open always go to a new segment.
/// </para>
/// <para>
/// A disk that refuses writes (full, or failing) does not stop the caller: <see cref="EndBatch"/> reports it once
/// through the warn callback and keeps the batch buffered for the next one (<see cref="WriteFailing"/>); appends that
/// do not fit in memory meanwhile are dropped and named by <see cref="TakeLoss"/> (reason <c>disk_full</c>). Confirmed
/// segments are deleted before the watermark is saved, so acknowledging frees space even when not one byte can be
/// written — what the delivery loop needs to get out of a full disk the spool itself filled.
/// </para>
/// <para>
/// Names are made durable as well as contents: a sync also fsyncs the directory when a segment was created or deleted
/// since the last one, and the watermark's temp + rename is followed by a directory fsync.
/// </para>
/// </summary>
public sealed class DurableSpool : IDeliverySpool, IDisposable
{
    /// <summary>
    /// At most this many separate loss ranges wait for room (24 B each); past it, further drops widen the last one,
    /// which then also spans accepted events — its count stays exact, and the loss line carries both.
    /// </summary>
    private const int MaxLossRanges = 4096;

    private readonly string _directory;
    private readonly SpoolOptions _options;
    private readonly long _segmentLimit;
    private readonly Action<string>? _warn;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Lock _ackLock = new();
    private readonly List<SpoolSegment> _segments;
    private readonly List<SpoolLoss> _losses = [];
    private readonly SpoolRecordFormat.NameCache _names = new();
    private readonly byte[] _buffer;

    // All under _lock.
    private SpoolSegment? _active;
    private int _bufferLength;
    private long _bytes;
    private long _lastSequence;
    // Set when recovery cut the last segment: what was cut is known only to the agent's saved sequence.
    private long? _tailCutAfter;
    private long _lastOffered;
    private long _drops;
    private bool _dropping;
    private int _lastDroppedBytes;
    private bool _writeFailing;
    private string _writeFailure = "";
    private bool _diskFull;
    private bool _directoryDirty;
    private bool _ackFailing;
    private bool _disposed;
    private long _directorySyncs;

    private long _watermark;
    private long _lastSyncTimestamp;

    private DurableSpool(string directory, SpoolOptions options, Action<string>? warn, TimeProvider time,
        List<SpoolSegment> segments, long watermark, IReadOnlyList<SpoolRecoveryIssue> issues)
    {
        _directory = directory;
        _options = options;
        _segmentLimit = options.EffectiveSegmentBytes;
        _warn = warn;
        _time = time;
        _segments = segments;
        _watermark = watermark;
        RecoveryIssues = issues;
        _buffer = new byte[options.WriteBufferBytes];
        foreach (SpoolSegment segment in segments)
        {
            _bytes += segment.Length;
        }
        _lastSequence = Math.Max(watermark, segments.Count == 0 ? 0 : segments[^1].LastSequence);
        _lastOffered = _lastSequence;
        _lastSyncTimestamp = time.GetTimestamp();
    }

    /// <summary>
    /// After a recovery that cut the newest segment: the events from the last good record up to
    /// <paramref name="lastAccepted"/> (the agent's saved event.sequence) were accepted and are gone. They become a
    /// <see cref="SpoolLoss.SpoolCorrupt"/> range for <see cref="TakeLoss"/>, so the stream names them instead of
    /// leaving an unexplained gap. Call once, before the first append.
    /// </summary>
    public void ReportCutTail(long lastAccepted)
    {
        lock (_lock)
        {
            // _lastSequence is at least the watermark: what the remote confirmed is not lost.
            if (_tailCutAfter is long after && CorruptRange(Math.Max(after, _lastSequence) + 1, lastAccepted) is SpoolLoss loss)
            {
                _losses.Add(loss);
            }
            _tailCutAfter = null;
        }
    }

    private static SpoolLoss? CorruptRange(long first, long last) =>
        last >= first ? new SpoolLoss(first, last, last - first + 1, SpoolLoss.SpoolCorrupt) : null;

    /// <summary>The spool directory.</summary>
    public string Directory => _directory;

    /// <summary>Everything up to this sequence was confirmed by the remote (persisted in <c>watermark</c>).</summary>
    public long Watermark => Volatile.Read(ref _watermark);

    /// <summary>
    /// The newest sequence accepted (or, after a restart with everything acknowledged, the watermark). The next append
    /// must be above it: the agent starts its sequencer at the larger of this and its own saved sequence.
    /// </summary>
    public long LastSequence
    {
        get
        {
            lock (_lock)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>
    /// The disk refused the last write or fsync (full, or an I/O error): new events are dropped once the write buffer
    /// is full, until a write works again. <see cref="WriteFailure"/> says why.
    /// </summary>
    public bool WriteFailing
    {
        get
        {
            lock (_lock)
            {
                return _writeFailing;
            }
        }
    }

    /// <summary>The error of the last failed write or fsync (empty before the first).</summary>
    public string WriteFailure
    {
        get
        {
            lock (_lock)
            {
                return _writeFailure;
            }
        }
    }

    /// <summary>Directory fsyncs done (for tests: segment creations, deletions and watermark renames are made durable).</summary>
    internal long DirectorySyncs => Interlocked.Read(ref _directorySyncs);

    /// <summary>What <see cref="Open"/> found wrong and repaired (also given to its warn callback).</summary>
    public IReadOnlyList<SpoolRecoveryIssue> RecoveryIssues { get; }

    /// <summary>
    /// Opens the spool in <paramref name="directory"/> (created 0750 if missing), recovering its segments.
    /// Never fails on the content of the directory — garbage files, torn records, a missing or corrupt watermark are
    /// repaired and reported — only on an unusable directory (<see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>).
    /// </summary>
    /// <param name="warn">Receives one line per recovery issue now, and later one per write failure.</param>
    public static DurableSpool Open(string directory, SpoolOptions? options = null, Action<string>? warn = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("socket-agent runs on Linux");
        }
        options ??= new SpoolOptions();
        options.Validate();
        DirectorySync.CreateDirectory(directory,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        var issues = new List<SpoolRecoveryIssue>();
        long watermark = WatermarkFile.Read(directory, out SpoolRecoveryIssue? watermarkIssue);
        Add(watermarkIssue);
        // A temp file is what a crash during a watermark save leaves: the old watermark is still the valid one.
        TryDelete(Path.Combine(directory, WatermarkFile.TempFileName));

        var names = new List<(long Sequence, string Path)>();
        foreach (string path in System.IO.Directory.EnumerateFiles(directory))
        {
            if (SpoolSegment.TryParseFileName(Path.GetFileName(path), out long sequence))
            {
                names.Add((sequence, path));
            }
        }
        names.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));

        var segments = new List<SpoolSegment>();
        var corrupt = new List<SpoolLoss>();
        long previous = 0;
        long? cutAfter = null; // the last good sequence before a cut, until the next segment shows where the cut part ended
        foreach ((long nameSequence, string path) in names)
        {
            SpoolSegment segment;
            try
            {
                segment = SpoolSegment.Recover(path, nameSequence, previous, out SpoolRecoveryIssue? issue);
                Add(issue);
                // A segment is named after its first record: a cut in the one before lost everything below that name.
                if (cutAfter is long after)
                {
                    AddCorrupt(Math.Max(after, watermark) + 1, nameSequence - 1);
                }
                cutAfter = issue is { DiscardedBytes: > 0 } ? Math.Max(previous, segment.Count == 0 ? nameSequence - 1 : segment.LastSequence) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Add(new SpoolRecoveryIssue(path, 0, 0, $"cannot open spool segment '{path}' ({ex.Message}): skipped"));
                continue;
            }
            if (segment.Count == 0 || segment.LastSequence <= watermark)
            {
                // Empty (a crash right after a roll), all garbage (already reported), or fully acknowledged.
                segment.Dispose();
                TryDelete(path);
                continue;
            }
            segments.Add(segment);
            previous = segment.LastSequence;
        }
        var spool = new DurableSpool(directory, options, warn, timeProvider ?? TimeProvider.System, segments, watermark, issues);
        spool._losses.AddRange(corrupt);
        spool._tailCutAfter = cutAfter;
        return spool;

        void AddCorrupt(long first, long last)
        {
            if (CorruptRange(first, last) is SpoolLoss loss)
            {
                corrupt.Add(loss);
            }
        }

        void Add(SpoolRecoveryIssue? issue)
        {
            if (issue is not null)
            {
                issues.Add(issue);
                warn?.Invoke(issue.Message);
            }
        }
    }

    /// <summary>
    /// Appends <paramref name="record"/>: once this returns true the event is accepted (buffered; durable after the
    /// next sync). Returns false when the spool is full (or its disk refuses writes): the event is dropped, counted,
    /// and its sequence joins a loss range for <see cref="TakeLoss"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence is not above every sequence offered before, or the record is malformed/too large.</exception>
    public bool TryAppend(DeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        int framed = SpoolRecordFormat.FramedLength(record);
        bool syncDue;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (record.Sequence <= _lastOffered)
            {
                throw new ArgumentException($"spool sequence {record.Sequence} is not above the last one offered, {_lastOffered}", nameof(record));
            }
            _lastOffered = record.Sequence;
            if (_bytes + framed > _options.MaxBytes)
            {
                Drop(record.Sequence, framed, SpoolLoss.SpoolFull);
                return false;
            }
            if (!TryMakeRoom(framed))
            {
                Drop(record.Sequence, framed, DiskReason);
                return false;
            }

            SpoolSegment active = _active!;
            if (framed <= _buffer.Length)
            {
                SpoolRecordFormat.Write(record, _buffer.AsSpan(_bufferLength, framed));
                _bufferLength += framed;
            }
            else if (!TryWriteLarge(active, record, framed))
            {
                Drop(record.Sequence, framed, DiskReason);
                return false;
            }
            active.Add(record.Sequence, framed);
            _bytes += framed;
            _lastSequence = record.Sequence;
            _dropping = false;
            syncDue = _options.SyncPolicy == SpoolSyncPolicy.Interval && SyncIsDue();
        }
        if (syncDue)
        {
            TrySync();
        }
        return true;
    }

    /// <summary>
    /// Ends the collection cycle's batch: hands the buffered records to the kernel (a crash of the agent loses nothing
    /// from here on), and fsyncs under <see cref="SpoolSyncPolicy.PerBatch"/> or when the interval is due. Call it every
    /// cycle, even an empty one, so the interval policy syncs without new appends.
    /// Never fails on the disk: a write or fsync that fails (a full disk) is reported once through the warn callback
    /// and sets <see cref="WriteFailing"/>; the records stay buffered and the next call retries. The collection loop
    /// must go on emitting to the outputs that still work.
    /// </summary>
    public void EndBatch()
    {
        try
        {
            if (_options.SyncPolicy == SpoolSyncPolicy.PerBatch)
            {
                Sync();
            }
            else
            {
                bool due;
                lock (_lock)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    FlushBuffer();
                    due = SyncIsDue();
                }
                if (due)
                {
                    Sync();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lock (_lock)
            {
                WriteFailed(ex);
            }
            return;
        }
        lock (_lock)
        {
            if (_writeFailing && _bufferLength == 0)
            {
                // A failed fsync (or segment creation) that now works: nothing is left waiting for the disk.
                _writeFailing = false;
                _warn?.Invoke($"spool '{_directory}': writing works again");
            }
        }
    }

    /// <summary>Writes the buffered records and fsyncs every segment written since the last sync.</summary>
    /// <exception cref="IOException">Writing or fsync failed; the next call retries.</exception>
    public void Sync()
    {
        SafeFileHandle[] handles;
        int count = 0;
        bool syncDirectory;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushBuffer();
            handles = ArrayPool<SafeFileHandle>.Shared.Rent(Math.Max(1, _segments.Count));
            foreach (SpoolSegment segment in _segments)
            {
                if (segment.Dirty)
                {
                    // The acker may delete and close this segment meanwhile: the reference keeps the descriptor open.
                    bool added = false;
                    segment.Handle.DangerousAddRef(ref added);
                    handles[count++] = segment.Handle;
                    segment.Dirty = false;
                }
            }
            syncDirectory = _directoryDirty;
            _directoryDirty = false;
            _lastSyncTimestamp = _time.GetTimestamp();
        }
        try
        {
            for (int i = 0; i < count; i++)
            {
                RandomAccess.FlushToDisk(handles[i]);
            }
            if (syncDirectory)
            {
                // A new segment's name (or an unlink) is only durable once its directory is synced.
                DirectorySync.Flush(_directory);
                Interlocked.Increment(ref _directorySyncs);
            }
        }
        catch
        {
            lock (_lock)
            {
                // Sync everything again next time rather than work out which ones made it.
                foreach (SpoolSegment segment in _segments)
                {
                    segment.Dirty = true;
                }
                _directoryDirty |= syncDirectory;
            }
            throw;
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                handles[i].DangerousRelease();
            }
            Array.Clear(handles, 0, count);
            ArrayPool<SafeFileHandle>.Shared.Return(handles);
        }
    }

    /// <summary>
    /// Returns up to <paramref name="maxRecords"/> records with a sequence above <paramref name="afterSequence"/>, in
    /// order, stopping before <paramref name="maxBytes"/> of records (but always at least one when there is one).
    /// Empty when there is nothing newer. Records still in the write buffer are included.
    /// </summary>
    public IReadOnlyList<DeliveryRecord> Read(long afterSequence, int maxRecords, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        byte[] frames = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, 1024 * 1024));
        int length = 0;
        int records = 0;
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                foreach (SpoolSegment segment in _segments)
                {
                    if (segment.LastSequence <= afterSequence)
                    {
                        continue;
                    }
                    int first = segment.IndexAfter(afterSequence);
                    int end = first;
                    long start = segment.OffsetAt(first);
                    while (end < segment.Count && records < maxRecords)
                    {
                        long next = segment.OffsetAt(end + 1) - start;
                        if (length + next > maxBytes && (records > 0 || end > first))
                        {
                            break;
                        }
                        end++;
                        records++;
                    }
                    if (end == first)
                    {
                        break;
                    }
                    int size = (int)(segment.OffsetAt(end) - start);
                    if (length + size > frames.Length)
                    {
                        byte[] larger = ArrayPool<byte>.Shared.Rent(length + size);
                        frames.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(frames);
                        frames = larger;
                    }
                    CopyRange(segment, start, frames.AsSpan(length, size));
                    length += size;
                    if (end < segment.Count)
                    {
                        break;
                    }
                }
            }

            // Decoding allocates (the JSON, the record): outside the lock, so the appender is not held up.
            var result = new DeliveryRecord[records];
            int at = 0;
            for (int i = 0; i < records; i++)
            {
                ReadOnlySpan<byte> frame = frames.AsSpan(at, length - at);
                result[i] = SpoolRecordFormat.Read(frame, _names);
                at += SpoolRecordFormat.HeaderBytes + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(frame);
            }
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frames);
        }
    }

    /// <summary>
    /// Moves the watermark to <paramref name="upToSequence"/> (never backwards, never past <see cref="LastSequence"/>):
    /// the remote confirmed everything up to it. Deletes the segments it fully covers first, then persists it
    /// atomically. Deleting first frees space before anything is written, so a disk the spool filled gets room back
    /// even when the watermark cannot be saved — and that order is safe: after a crash in between, the older watermark
    /// on disk is followed by a spool that no longer holds the deleted (confirmed) records, and the delivery loop steps
    /// over sequences the spool does not hold. When the watermark cannot be saved (a disk error) the failure goes to
    /// the warn callback once and the next call tries again; a restart meanwhile would only resend what the remaining
    /// segments hold below the new watermark (at-least-once).
    /// </summary>
    public void Acknowledge(long upToSequence)
    {
        lock (_ackLock)
        {
            long target;
            List<SpoolSegment>? confirmed;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                target = Math.Min(upToSequence, _lastSequence);
                if (target <= _watermark)
                {
                    return;
                }
                confirmed = TakeConfirmed(target);
            }
            // Closing and unlinking a 16 MiB segment took 9 ms here (ext4 mounted with discard): outside _lock, so the
            // appender and the reader do not wait for it. Still before the watermark is saved.
            if (confirmed is not null)
            {
                foreach (SpoolSegment segment in confirmed)
                {
                    segment.Dispose();
                    TryDelete(segment.Path);
                }
                lock (_lock)
                {
                    _directoryDirty = true; // a sync that ran between took the flag before the unlinks
                }
            }
            Volatile.Write(ref _watermark, target);
            try
            {
                WatermarkFile.Write(_directory, target);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (!_ackFailing)
                {
                    _ackFailing = true;
                    _warn?.Invoke($"spool '{_directory}': cannot save the watermark ({ex.Message}): confirmed segments are still deleted; a restart before it can be saved resends from the last saved one");
                }
                return;
            }
            Interlocked.Increment(ref _directorySyncs);
            if (_ackFailing)
            {
                _ackFailing = false;
                _warn?.Invoke($"spool '{_directory}': saving the watermark works again");
            }
        }
    }

    /// <summary>
    /// Takes out of the spool the segments whose every record is at or below <paramref name="target"/> (under _lock);
    /// the caller closes and deletes their files. Null when there is none.
    /// </summary>
    private List<SpoolSegment>? TakeConfirmed(long target)
    {
        List<SpoolSegment>? confirmed = null;
        while (_segments.Count > 0 && _segments[0].LastSequence <= target)
        {
            SpoolSegment segment = _segments[0];
            if (segment == _active)
            {
                // Everything in it, buffered bytes included, is confirmed: no need to write them at all. A write
                // that was failing has nothing left to retry.
                _active = null;
                _bufferLength = 0;
                if (_writeFailing)
                {
                    _writeFailing = false;
                    _warn?.Invoke($"spool '{_directory}': nothing left to write: the unwritten records were confirmed by the remote; new segments are tried again");
                }
            }
            _segments.RemoveAt(0);
            _bytes -= segment.Length;
            (confirmed ??= []).Add(segment);
            // Made durable by the next sync; undone by a power loss before it, the segment is below the (durable)
            // watermark or the records are confirmed gaps, and the next open deletes it again or steps over them.
            _directoryDirty = true;
        }
        return confirmed;
    }

    /// <summary>
    /// The oldest range of dropped events not yet reported, once there is room again (room for an event as large as
    /// the last one dropped, or for a segment's worth if that one was larger); null otherwise. Each range is returned once: emit the <c>loss</c> event right away.
    /// </summary>
    public SpoolLoss? TakeLoss()
    {
        lock (_lock)
        {
            // Room for the event that did not fit, or for a whole segment when that event could never fit.
            if (_losses.Count == 0 || _options.MaxBytes - _bytes < Math.Min(_lastDroppedBytes, _segmentLimit) || _writeFailing)
            {
                return null;
            }
            SpoolLoss loss = _losses[0];
            _losses.RemoveAt(0);
            if (_losses.Count == 0)
            {
                _dropping = false;
            }
            return loss;
        }
    }

    /// <summary>
    /// The first sequence the spool accepted or dropped that is not settled yet: accepted but only in memory (the disk
    /// refused the write), or dropped and not yet handed out by <see cref="TakeLoss"/>. Null when everything offered
    /// is on disk or named. The agent records no sequence from here on as flushed, so that a stop or crash now makes
    /// the next run name these numbers (an unclean-stop loss) instead of losing them silently.
    /// </summary>
    public long? FirstUnsettled
    {
        get
        {
            lock (_lock)
            {
                long? unwritten = _active?.FirstUnwritten();
                long? dropped = _losses.Count == 0 ? null : _losses[0].First;
                return unwritten is long u && dropped is long d ? Math.Min(u, d) : unwritten ?? dropped;
            }
        }
    }

    /// <summary>The spool's figures for the heartbeat.</summary>
    public SpoolStats GetStats()
    {
        lock (_lock)
        {
            long watermark = Volatile.Read(ref _watermark);
            long events = 0;
            foreach (SpoolSegment segment in _segments)
            {
                events += segment.Count - segment.IndexAfter(watermark);
            }
            return new SpoolStats(_bytes, events, _segments.Count, watermark, _lastSequence, _drops, RecoveryIssues.Count, _writeFailing);
        }
    }

    /// <summary>Writes and fsyncs what is buffered (best effort), and closes the segment files.</summary>
    public void Dispose()
    {
        try
        {
            Sync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            _warn?.Invoke($"spool '{_directory}': final sync failed: {ex.Message}");
        }
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (SpoolSegment segment in _segments)
            {
                segment.Dispose();
            }
        }
    }

    /// <summary>Makes sure the active segment can take <paramref name="framed"/> more bytes and the buffer has room.</summary>
    private bool TryMakeRoom(int framed)
    {
        if (_writeFailing && _bufferLength > 0 && (_bufferLength + framed > _buffer.Length || _active!.Length + framed > _segmentLimit))
        {
            // The disk refused the last write: an event that would need one now is dropped without trying, rather
            // than a failing write per event; EndBatch retries once per cycle.
            return false;
        }
        try
        {
            if (_active is not null && _active.Count > 0 && _active.Length + framed > _segmentLimit)
            {
                FlushBuffer();
                _active = null;
            }
            if (_bufferLength + framed > _buffer.Length)
            {
                FlushBuffer();
            }
            if (_active is null)
            {
                _active = SpoolSegment.Create(_directory, _lastOffered);
                _segments.Add(_active);
                _directoryDirty = true;
            }
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteFailed(ex);
            return false;
        }
    }

    /// <summary>A record larger than the whole write buffer goes straight to the file.</summary>
    private bool TryWriteLarge(SpoolSegment active, DeliveryRecord record, int framed)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(framed);
        try
        {
            FlushBuffer();
            SpoolRecordFormat.Write(record, rented.AsSpan(0, framed));
            WriteWhole(active, rented.AsSpan(0, framed));
            active.WrittenLength += framed;
            active.Dirty = true;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteFailed(ex);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Hands the write buffer to the kernel. Positional writes make a retry after a failure (disk full) rewrite the
    /// same bytes at the same place, so the buffer is kept until a write succeeds.
    /// </summary>
    private void FlushBuffer()
    {
        if (_bufferLength == 0 || _active is null)
        {
            return;
        }
        WriteWhole(_active, _buffer.AsSpan(0, _bufferLength));
        _active.WrittenLength += _bufferLength;
        _active.Dirty = true;
        _bufferLength = 0;
        if (_writeFailing)
        {
            _writeFailing = false;
            _warn?.Invoke($"spool '{_directory}': writing works again");
        }
    }

    /// <summary>
    /// Writes at the segment's end; on a failure (a full disk takes what fits, then refuses the rest) cuts the part
    /// that made it, so the file never ends in a torn record that the next open would report as corruption.
    /// </summary>
    private static void WriteWhole(SpoolSegment segment, ReadOnlySpan<byte> bytes)
    {
        try
        {
            RandomAccess.Write(segment.Handle, bytes, segment.WrittenLength);
        }
        catch (IOException)
        {
            try
            {
                RandomAccess.SetLength(segment.Handle, segment.WrittenLength);
            }
            catch (IOException)
            {
                // Left for the next open's recovery to cut: it reports it, nothing accepted is lost.
            }
            throw;
        }
    }

    private void WriteFailed(Exception ex)
    {
        _writeFailure = ex.Message;
        // .NET puts the errno in HResult: ENOSPC (28), EDQUOT (122).
        _diskFull = ex.HResult is 28 or 122;
        if (!_writeFailing)
        {
            _writeFailing = true;
            _warn?.Invoke($"spool '{_directory}': cannot write ({ex.Message}): what it holds stays in memory and is still delivered; new events that do not fit are dropped and reported as a loss once it can write again");
        }
    }

    /// <summary>A full disk (or quota) is named as such; any other write failure as one.</summary>
    private string DiskReason => _diskFull ? SpoolLoss.DiskFull : SpoolLoss.WriteFailed;

    private void Drop(long sequence, int framed, string reason)
    {
        _drops++;
        _lastDroppedBytes = framed;
        if ((_dropping || _losses.Count == MaxLossRanges) && _losses.Count > 0 && (_losses[^1].Reason == reason || _losses.Count == MaxLossRanges))
        {
            SpoolLoss last = _losses[^1];
            _losses[^1] = last with { Last = sequence, Count = last.Count + 1 };
        }
        else
        {
            _losses.Add(new SpoolLoss(sequence, sequence, 1, reason));
        }
        _dropping = true;
    }

    /// <summary>Copies a segment's bytes, from the file up to what was written and from the write buffer after that.</summary>
    private void CopyRange(SpoolSegment segment, long start, Span<byte> destination)
    {
        long fromFile = Math.Clamp(segment.WrittenLength - start, 0, destination.Length);
        if (fromFile > 0)
        {
            segment.ReadFully(destination[..(int)fromFile], start);
        }
        if (fromFile < destination.Length)
        {
            int bufferStart = (int)(start + fromFile - segment.WrittenLength);
            _buffer.AsSpan(bufferStart, destination.Length - (int)fromFile).CopyTo(destination[(int)fromFile..]);
        }
    }

    private bool SyncIsDue() => _time.GetElapsedTime(_lastSyncTimestamp) >= _options.SyncInterval;

    private void TrySync()
    {
        try
        {
            Sync();
        }
        catch (IOException ex)
        {
            _warn?.Invoke($"spool '{_directory}': fsync failed ({ex.Message}): retrying at the next sync");
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
            // Left behind: the next open deletes it again (acknowledged) or ignores it (temp file).
        }
    }
}
