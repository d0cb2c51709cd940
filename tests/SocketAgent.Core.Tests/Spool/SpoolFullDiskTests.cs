using SocketAgent.Spool;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Spool;

/// <summary>
/// The spool on a real full disk (a 300 KiB tmpfs, spool.max_bytes 1 MiB: the disk fills before the spool does):
/// the batch never throws, the failure is said once, what cannot be held is dropped and named exactly, and
/// confirmed segments are freed with not one free byte left — so the spool gets out of the full disk it made.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SpoolFullDiskTests : IDisposable
{
    private readonly SmallTmpfs _disk = SmallTmpfs.Mount(300);
    private readonly List<string> _warnings = [];

    public void Dispose() => _disk.Dispose();

    private string SpoolDir => Path.Combine(_disk.Path, "spool", "kafka");

    private DurableSpool Open() => DurableSpool.Open(SpoolDir,
        new SpoolOptions { MaxBytes = 1024 * 1024, SegmentBytes = 16 * 1024, WriteBufferBytes = 4096 }, _warnings.Add);

    [Fact]
    public void A_full_disk_drops_what_it_cannot_hold_names_it_exactly_and_confirmed_segments_free_it_with_no_byte_left()
    {
        using DurableSpool spool = Open();
        var accepted = new List<long>();
        var dropped = new List<long>();
        long sequence = 0;
        // Append (a cycle = 20 records) until well after the disk refused writes.
        while (dropped.Count < 200)
        {
            Assert.True(sequence < 100_000, "the disk never filled");
            for (int i = 0; i < 20; i++)
            {
                sequence++;
                (spool.TryAppend(SpoolTestDirectory.Record(sequence, jsonBytes: 500)) ? accepted : dropped).Add(sequence);
            }
            spool.EndBatch(); // never throws on the disk
        }
        _disk.Fill(); // and whatever a partial write left: not one byte free
        Assert.Equal(0, _disk.FreeBytes);
        spool.EndBatch();

        Assert.True(spool.WriteFailing);
        Assert.Contains("No space left", spool.WriteFailure);
        Assert.Single(_warnings, static w => w.Contains("cannot write", StringComparison.Ordinal));
        Assert.Null(spool.TakeLoss()); // named once there is room, not before
        int segments = Directory.GetFiles(SpoolDir, "*.seg").Length;
        Assert.True(segments > 3, $"{segments} segments");

        // The remote confirms the first half: the segments it covers go first, then the watermark is saved.
        long half = accepted[accepted.Count / 2];
        spool.Acknowledge(half);
        Assert.Equal(half, spool.Watermark);
        Assert.Equal(half, WatermarkFile.Read(SpoolDir, out _));
        Assert.True(Directory.GetFiles(SpoolDir, "*.seg").Length < segments);
        Assert.True(_disk.FreeBytes > 0);

        // Full again to the last byte, and a confirmation that frees no segment: the watermark is still saved (in
        // place, in the spare the first save made), so a restart would not resend what was confirmed.
        _disk.Fill();
        Assert.Equal(0, _disk.FreeBytes);
        spool.Acknowledge(half + 1);
        Assert.Equal(half + 1, WatermarkFile.Read(SpoolDir, out _));
        Assert.DoesNotContain(_warnings, static w => w.Contains("cannot save the watermark", StringComparison.Ordinal));
        _disk.Free();

        // Everything confirmed (the records only in memory too): the spool is empty and writes again.
        spool.Acknowledge(accepted[^1]);
        spool.EndBatch();
        Assert.False(spool.WriteFailing);
        Assert.Empty(Directory.GetFiles(SpoolDir, "*.seg"));

        var named = new List<long>();
        while (spool.TakeLoss() is SpoolLoss loss)
        {
            Assert.Equal(SpoolLoss.DiskFull, loss.Reason);
            Assert.Equal(loss.Last - loss.First + 1, loss.Count);
            for (long s = loss.First; s <= loss.Last; s++)
            {
                named.Add(s);
            }
        }
        Assert.Equal(dropped, named);
        Assert.Equal(accepted.Count + dropped.Count, sequence);
        Assert.Equal(dropped.Count, spool.GetStats().Drops);

        // And new events are accepted and written.
        Assert.True(spool.TryAppend(SpoolTestDirectory.Record(sequence + 1, jsonBytes: 500)));
        spool.EndBatch();
        Assert.False(spool.WriteFailing);
        Assert.Contains(_warnings, static w => w.Contains("new segments are tried again", StringComparison.Ordinal) || w.Contains("works again", StringComparison.Ordinal));
    }

    [Fact]
    public void A_spool_on_a_full_disk_opens_delivers_what_it_holds_and_frees_it()
    {
        long last;
        using (DurableSpool first = Open())
        {
            for (last = 1; last <= 100; last++)
            {
                Assert.True(first.TryAppend(SpoolTestDirectory.Record(last, jsonBytes: 500)));
            }
            last--;
            first.EndBatch();
        }
        _disk.Fill();

        using DurableSpool spool = Open(); // opening needs no free byte
        Assert.Empty(spool.RecoveryIssues);
        Assert.Equal(last, spool.LastSequence);
        Assert.Equal(SpoolTestDirectory.Range(1, last), SpoolTestDirectory.Sequences(spool.Read(0, 1000, 1 << 20)));
        Assert.True(spool.TryAppend(SpoolTestDirectory.Record(last + 1, jsonBytes: 500))); // held in memory
        spool.EndBatch();
        Assert.True(spool.WriteFailing);

        spool.Acknowledge(last + 1);
        Assert.Empty(Directory.GetFiles(SpoolDir, "*.seg"));
        Assert.Equal(last + 1, WatermarkFile.Read(SpoolDir, out _));
        Assert.False(spool.WriteFailing);
    }
}
