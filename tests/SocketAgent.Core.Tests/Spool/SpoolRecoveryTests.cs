using CsCheck;
using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

public sealed class SpoolRecoveryTests : SpoolTestDirectory
{
    private const string FirstSegment = "00000000000000000001.seg";

    private string SegmentPath(string name = FirstSegment) => Path.Combine(SpoolDir, name);

    /// <summary>Writes records <paramref name="first"/>..<paramref name="last"/> and closes the spool.</summary>
    private void Write(long first, long last, SpoolOptions? options = null, long acknowledge = 0)
    {
        using DurableSpool spool = Open(options);
        for (long s = first; s <= last; s++)
        {
            Assert.True(spool.TryAppend(Record(s)));
        }
        spool.EndBatch();
        if (acknowledge > 0)
        {
            spool.Acknowledge(acknowledge);
        }
    }

    private static int Framed => SpoolRecordFormat.FramedLength(Record(1));

    [Fact]
    public void A_torn_last_record_is_cut_off_and_reported_and_earlier_records_are_intact()
    {
        Write(1, 10);
        using (FileStream file = File.OpenWrite(SegmentPath()))
        {
            file.SetLength((10L * Framed) - 30);
        }

        using DurableSpool spool = Open();

        Assert.Equal(Range(1, 9), Sequences(spool.Read(0, 100, 1 << 20)));
        AssertSame(Record(9), spool.Read(8, 1, 1 << 20)[0]);
        SpoolRecoveryIssue issue = Assert.Single(spool.RecoveryIssues);
        Assert.Equal(SegmentPath(), issue.Path);
        Assert.Equal(9L * Framed, issue.Offset);
        Assert.Equal(Framed - 30, issue.DiscardedBytes);
        Assert.Equal(9L * Framed, new FileInfo(SegmentPath()).Length);
        Assert.Equal([issue.Message], Warnings);
        Assert.Equal(1, spool.GetStats().Recoveries);
        Assert.Equal(9, spool.LastSequence);
        Assert.True(spool.TryAppend(Record(10)));
    }

    [Fact]
    public void Garbage_after_the_last_record_is_cut_off_and_reported()
    {
        Write(1, 10);
        File.AppendAllText(SegmentPath(), "garbage that is no record at all");

        using DurableSpool spool = Open();

        Assert.Equal(Range(1, 10), Sequences(spool.Read(0, 100, 1 << 20)));
        Assert.Equal(32, Assert.Single(spool.RecoveryIssues).DiscardedBytes);
        Assert.Equal(10L * Framed, new FileInfo(SegmentPath()).Length);
    }

    [Fact]
    public void A_corrupt_record_in_the_middle_ends_its_segment_and_recovery_continues_with_the_next_segment()
    {
        var options = new SpoolOptions { SegmentBytes = 10 * SpoolRecordFormat.FramedLength(Record(1)) };
        Write(1, 25, options);
        Assert.Equal(3, SegmentFiles().Length);
        byte[] bytes = File.ReadAllBytes(SegmentPath());
        bytes[(4 * Framed) + 40] ^= 0x01; // inside record 5's JSON: its checksum no longer matches
        File.WriteAllBytes(SegmentPath(), bytes);

        using DurableSpool spool = Open(options);

        Assert.Equal([.. Range(1, 4), .. Range(11, 25)], Sequences(spool.Read(0, 100, 1 << 20)));
        SpoolRecoveryIssue issue = Assert.Single(spool.RecoveryIssues);
        Assert.Equal(4L * Framed, issue.Offset);
        Assert.Equal(6L * Framed, issue.DiscardedBytes);
        Assert.Contains("checksum", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_cut_off_at_recovery_become_an_exact_spool_corrupt_loss_range()
    {
        var options = new SpoolOptions { SegmentBytes = 10 * SpoolRecordFormat.FramedLength(Record(1)) };
        Write(1, 25, options, acknowledge: 2);
        byte[] bytes = File.ReadAllBytes(SegmentPath());
        bytes[(4 * Framed) + 40] ^= 0x01; // record 5: 5..10 are cut, 11 starts the next segment
        File.WriteAllBytes(SegmentPath(), bytes);
        string last = SegmentPath(Path.GetFileName(SegmentFiles().Order(StringComparer.Ordinal).Last()));
        File.WriteAllBytes(last, File.ReadAllBytes(last)[..(2 * Framed + 7)]); // 21, 22 kept; 23..25 torn away

        using DurableSpool spool = Open(options);
        spool.ReportCutTail(25); // the agent's saved event.sequence: it had accepted up to 25

        Assert.Equal(new SpoolLoss(5, 10, 6, SpoolLoss.SpoolCorrupt), spool.TakeLoss());
        Assert.Equal(new SpoolLoss(23, 25, 3, SpoolLoss.SpoolCorrupt), spool.TakeLoss());
        Assert.Null(spool.TakeLoss());
        Assert.Equal(0, spool.GetStats().Drops); // not drops: nothing was refused when offered
    }

    [Fact]
    public void A_clean_spool_reports_no_corrupt_range_whatever_the_saved_sequence()
    {
        Write(1, 10);
        using DurableSpool spool = Open();
        spool.ReportCutTail(40); // events 11..40 went to stdout only, before Kafka was configured
        Assert.Null(spool.TakeLoss());
    }

    [Fact]
    public void Any_truncation_of_a_segment_keeps_exactly_the_whole_records_before_the_cut()
    {
        Write(1, 10);
        byte[] segment = File.ReadAllBytes(SegmentPath());
        int iteration = 0;

        Gen.Int[0, segment.Length].Sample(cut =>
        {
            string directory = Path.Combine(SpoolDir, $"cut{Interlocked.Increment(ref iteration)}");
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, FirstSegment), segment[..cut]);

            using DurableSpool spool = DurableSpool.Open(directory);

            long whole = cut / Framed;
            bool clean = cut % Framed == 0;
            return Sequences(spool.Read(0, 100, 1 << 20)).SequenceEqual(Range(1, whole))
                && spool.RecoveryIssues.Count == (clean ? 0 : 1)
                && (whole > 0 || !File.Exists(Path.Combine(directory, FirstSegment)));
        }, iter: 100);
    }

    [Fact]
    public void Any_flipped_byte_is_detected_and_only_the_records_before_it_are_kept()
    {
        Write(1, 10);
        byte[] segment = File.ReadAllBytes(SegmentPath());
        int iteration = 0;

        Gen.Select(Gen.Int[0, segment.Length - 1], Gen.Byte[1, 255]).Sample((at, mask) =>
        {
            string directory = Path.Combine(SpoolDir, $"flip{Interlocked.Increment(ref iteration)}");
            Directory.CreateDirectory(directory);
            byte[] damaged = (byte[])segment.Clone();
            damaged[at] ^= mask;
            File.WriteAllBytes(Path.Combine(directory, FirstSegment), damaged);

            using DurableSpool spool = DurableSpool.Open(directory);

            return Sequences(spool.Read(0, 100, 1 << 20)).SequenceEqual(Range(1, at / Framed))
                && spool.RecoveryIssues.Count == 1;
        }, iter: 100);
    }

    [Fact]
    public void Random_bytes_as_segment_files_never_make_open_throw()
    {
        int iteration = 0;
        Gen.Select(Gen.Byte.Array[0, 4096], Gen.Long[0, 100]).Sample((garbage, name) =>
        {
            string directory = Path.Combine(SpoolDir, $"garbage{Interlocked.Increment(ref iteration)}");
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, SpoolSegment.FileName(name)), garbage);

            using DurableSpool spool = DurableSpool.Open(directory);

            bool accepted = spool.TryAppend(Record(spool.LastSequence + 1));
            return accepted && spool.Read(0, 100, 1 << 20).Count >= 1
                && (garbage.Length == 0 || spool.RecoveryIssues.Count == 1);
        }, iter: 100);
    }

    [Fact]
    public void Random_bytes_as_the_watermark_never_make_open_throw()
    {
        int iteration = 0;
        Write(1, 3);
        Gen.Byte.Array[0, 64].Sample(garbage =>
        {
            string directory = Path.Combine(SpoolDir, $"watermark{Interlocked.Increment(ref iteration)}");
            Directory.CreateDirectory(directory);
            File.Copy(SegmentPath(), Path.Combine(directory, FirstSegment));
            File.WriteAllBytes(Path.Combine(directory, "watermark"), garbage);

            using DurableSpool spool = DurableSpool.Open(directory);

            return spool.Watermark >= 0 && spool.Read(spool.Watermark, 100, 1 << 20).All(r => r.Sequence > spool.Watermark);
        }, iter: 100);
    }

    [Fact]
    public void Empty_segments_unknown_files_and_a_missing_watermark_are_handled_quietly()
    {
        Write(1, 5);
        File.WriteAllBytes(SegmentPath("00000000000000000100.seg"), []);
        File.WriteAllText(Path.Combine(SpoolDir, "notes.txt"), "operator's notes");
        File.WriteAllText(Path.Combine(SpoolDir, "123.seg"), "not a segment name");
        Directory.CreateDirectory(Path.Combine(SpoolDir, "00000000000000000200.seg"));

        using DurableSpool spool = Open();

        Assert.Empty(spool.RecoveryIssues);
        Assert.Equal(0, spool.Watermark);
        Assert.Equal(Range(1, 5), Sequences(spool.Read(0, 100, 1 << 20)));
        Assert.False(File.Exists(SegmentPath("00000000000000000100.seg")));
        Assert.True(File.Exists(Path.Combine(SpoolDir, "notes.txt")));
    }

    [Fact]
    public void A_corrupt_watermark_is_reported_and_the_whole_spool_replayed()
    {
        Write(1, 5, acknowledge: 3);
        File.WriteAllText(Path.Combine(SpoolDir, "watermark"), "three\n");

        using DurableSpool spool = Open();

        Assert.Single(spool.RecoveryIssues);
        Assert.Equal(0, spool.Watermark);
        Assert.Equal(Range(1, 5), Sequences(spool.Read(spool.Watermark, 100, 1 << 20)));
    }

    [Fact]
    public void A_watermark_beyond_the_last_record_deletes_the_acknowledged_segments_and_keeps_sequences_above_it()
    {
        Write(1, 5);
        File.WriteAllText(Path.Combine(SpoolDir, "watermark"), "50\n");

        using DurableSpool spool = Open();

        Assert.Equal(50, spool.Watermark);
        Assert.Equal(50, spool.LastSequence);
        Assert.Empty(spool.Read(spool.Watermark, 100, 1 << 20));
        Assert.Empty(SegmentFiles());
        Assert.Throws<ArgumentException>(() => spool.TryAppend(Record(50)));
        Assert.True(spool.TryAppend(Record(51)));
    }

    [Fact]
    public void A_temporary_watermark_left_by_a_crash_is_ignored_and_removed()
    {
        Write(1, 10, acknowledge: 4);
        File.WriteAllText(Path.Combine(SpoolDir, "watermark.tmp"), "9"); // a save interrupted before its rename

        using DurableSpool spool = Open();

        Assert.Equal(4, spool.Watermark);
        Assert.False(File.Exists(Path.Combine(SpoolDir, "watermark.tmp")));
        Assert.Equal(Range(5, 10), Sequences(spool.Read(spool.Watermark, 100, 1 << 20)));
        spool.Acknowledge(6);
        Assert.Equal("6\n", File.ReadAllText(Path.Combine(SpoolDir, "watermark")));
    }

    [Fact]
    public void A_segment_whose_records_go_backwards_is_cut_where_they_do()
    {
        var options = new SpoolOptions { SegmentBytes = 1024 };
        Write(1, 20, options);
        Assert.True(SegmentFiles().Length > 1);
        // A copy of the first segment under a later name: its records repeat sequences from 1.
        File.Copy(SegmentPath(), SegmentPath("00000000000000000030.seg"));

        using DurableSpool spool = Open(options);

        Assert.Equal(Range(1, 20), Sequences(spool.Read(0, 100, 1 << 20)));
        Assert.Single(spool.RecoveryIssues);
        Assert.False(File.Exists(SegmentPath("00000000000000000030.seg")));
    }
}
