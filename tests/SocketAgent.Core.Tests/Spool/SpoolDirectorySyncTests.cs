using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

/// <summary>
/// Names are made durable, not only contents: a new segment, the watermark's rename and deleted segments are followed
/// by an fsync of the spool directory, and a failing one is reported, never swallowed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SpoolDirectorySyncTests : SpoolTestDirectory
{
    [Fact]
    public void A_new_segment_is_made_durable_by_a_directory_sync_at_the_end_of_its_batch_and_only_then()
    {
        using DurableSpool spool = Open();
        long opened = spool.DirectorySyncs;

        Assert.True(spool.TryAppend(Record(1)));
        Assert.Equal(opened, spool.DirectorySyncs); // appended, not yet synced
        spool.EndBatch();
        Assert.Equal(opened + 1, spool.DirectorySyncs);

        Assert.True(spool.TryAppend(Record(2)));
        spool.EndBatch();
        Assert.Equal(opened + 1, spool.DirectorySyncs); // same segment: the file's own fsync is enough
    }

    [Fact]
    public void The_watermark_rename_and_the_deleted_segments_are_each_followed_by_a_directory_sync()
    {
        using DurableSpool spool = Open(new SpoolOptions { MaxBytes = 64 * 1024, SegmentBytes = 4096 });
        for (long s = 1; s <= 100; s++)
        {
            Assert.True(spool.TryAppend(Record(s)));
        }
        spool.EndBatch();
        int segments = SegmentFiles().Length;
        Assert.True(segments > 2, $"{segments} segments");
        long before = spool.DirectorySyncs;

        spool.Acknowledge(50);
        Assert.Equal(before + 1, spool.DirectorySyncs); // the watermark's rename
        Assert.True(SegmentFiles().Length < segments);

        spool.EndBatch();
        Assert.Equal(before + 2, spool.DirectorySyncs); // the unlinks
        spool.EndBatch();
        Assert.Equal(before + 2, spool.DirectorySyncs);
    }

    [Fact]
    public void A_directory_sync_that_fails_is_reported_by_the_sync_and_retried_by_the_next()
    {
        using DurableSpool spool = Open(new SpoolOptions { MaxBytes = 64 * 1024, SegmentBytes = 1024 });
        Assert.True(spool.TryAppend(Record(1, jsonBytes: 2000)));
        spool.EndBatch();
        Assert.True(spool.TryAppend(Record(2, jsonBytes: 2000))); // too big for the first segment: a new one
        Assert.Equal(2, SegmentFiles().Length);

        // The directory vanishes before the batch ends (the segments' descriptors keep working): the new segment's
        // name cannot be made durable, and that must surface rather than pass for a successful sync.
        string moved = SpoolDir + ".moved";
        Directory.Move(SpoolDir, moved);
        try
        {
            IOException ex = Assert.Throws<IOException>(spool.Sync);
            Assert.Contains(SpoolDir, ex.Message);
            // The cycle's EndBatch does not throw: it says so once and the spool is in its write-failing state.
            spool.EndBatch();
            Assert.True(spool.WriteFailing);
            Assert.Single(Warnings, static w => w.Contains("cannot write", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Move(moved, SpoolDir);
        }
        long before = spool.DirectorySyncs;
        spool.EndBatch(); // retried, and now it works
        Assert.Equal(before + 1, spool.DirectorySyncs);
        Assert.False(spool.WriteFailing);
        Assert.Contains(Warnings, static w => w.Contains("writing works again", StringComparison.Ordinal));
    }

    [Fact]
    public void A_watermark_that_cannot_be_saved_is_reported_once_the_confirmed_segments_are_freed_anyway_and_the_next_acknowledgement_saves_it()
    {
        using DurableSpool spool = Open(new SpoolOptions { MaxBytes = 64 * 1024, SegmentBytes = 4096 });
        for (long s = 1; s <= 100; s++)
        {
            Assert.True(spool.TryAppend(Record(s)));
        }
        spool.EndBatch();
        int segments = SegmentFiles().Length;
        // A directory where the temporary watermark goes: the save fails (as on EIO or ENOSPC).
        string blocker = Path.Combine(SpoolDir, "watermark.tmp");
        Directory.CreateDirectory(blocker);

        spool.Acknowledge(50); // must not throw: the delivery loop would die on it
        int afterFirst = SegmentFiles().Length;
        spool.Acknowledge(60);

        // Deleted first: a disk the spool filled gets room back even when the watermark cannot be written.
        Assert.Equal(60, spool.Watermark);
        Assert.True(afterFirst < segments, $"{afterFirst} of {segments} segments left");
        Assert.False(File.Exists(Path.Combine(SpoolDir, "watermark")));
        Assert.Single(Warnings, w => w.Contains("cannot save the watermark", StringComparison.Ordinal));

        Directory.Delete(blocker);
        spool.Acknowledge(70);

        Assert.Equal(70, spool.Watermark);
        Assert.Equal("70\n", File.ReadAllText(Path.Combine(SpoolDir, "watermark")));
        Assert.Contains(Warnings, w => w.Contains("works again", StringComparison.Ordinal));
    }
}
