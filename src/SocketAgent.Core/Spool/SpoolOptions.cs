namespace SocketAgent.Spool;

/// <summary>Limits and durability of a <see cref="DurableSpool"/>.</summary>
public sealed class SpoolOptions
{
    public const long DefaultMaxBytes = 256L * 1024 * 1024;
    public const int DefaultSegmentBytes = 16 * 1024 * 1024;

    /// <summary>The most disk the spool's segments may take; when an append would pass it, that (newest) event is dropped.</summary>
    /// <value>The default is 256 MiB.</value>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>
    /// The size at which a segment is closed and a new one started. Space is freed a whole segment at a time, so the
    /// spool uses at most a quarter of <see cref="MaxBytes"/> per segment whatever this says.
    /// </summary>
    /// <value>The default is 16 MiB.</value>
    public int SegmentBytes { get; init; } = DefaultSegmentBytes;

    /// <value>The default is <see cref="SpoolSyncPolicy.PerBatch"/>.</value>
    public SpoolSyncPolicy SyncPolicy { get; init; } = SpoolSyncPolicy.PerBatch;

    /// <summary>The longest time between fsyncs under <see cref="SpoolSyncPolicy.Interval"/>.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bytes of appended records kept in memory before they are written to the segment file.</summary>
    /// <value>The default is 256 KiB.</value>
    public int WriteBufferBytes { get; init; } = 256 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 4096, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentBytes, 1024, nameof(SegmentBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SegmentBytes, 1 << 30, nameof(SegmentBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriteBufferBytes, 4096, nameof(WriteBufferBytes));
        if (SyncPolicy == SpoolSyncPolicy.Interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SyncInterval, TimeSpan.Zero, nameof(SyncInterval));
        }
    }

    /// <summary>The segment size actually used: small spools (tests, tiny disks) still free space before they fill up.</summary>
    internal long EffectiveSegmentBytes => Math.Min(SegmentBytes, Math.Max(MaxBytes / 4, 1024));
}
