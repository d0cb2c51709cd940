using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DurableSpoolTests : SpoolTestDirectory
{
    [Fact]
    public void Appended_records_read_back_identical_and_in_order_before_and_after_the_batch_ends()
    {
        using DurableSpool spool = Open();
        DeliveryRecord[] records =
        [
            Record(1), Record(2, communityId: "1:LQU9qZlK+B5F3KDmev6m5PMibrg="), Record(3, jsonBytes: 0),
            new DeliveryRecord(4, "sösket", "ü", "{\"é\":1}"u8.ToArray()), Record(5, jsonBytes: 5000),
        ];
        Assert.All(records, r => Assert.True(spool.TryAppend(r)));

        IReadOnlyList<DeliveryRecord> buffered = spool.Read(0, 100, 1 << 20);
        spool.EndBatch();
        IReadOnlyList<DeliveryRecord> written = spool.Read(0, 100, 1 << 20);

        Assert.Equal(records.Length, buffered.Count);
        Assert.Equal(records.Length, written.Count);
        for (int i = 0; i < records.Length; i++)
        {
            AssertSame(records[i], buffered[i]);
            AssertSame(records[i], written[i]);
        }
        Assert.Equal(5, spool.LastSequence);
        Assert.Equal(0, spool.Watermark);
    }

    [Fact]
    public void Read_starts_after_the_cursor_and_stops_at_the_record_and_byte_limits()
    {
        using DurableSpool spool = Open();
        for (long s = 1; s <= 20; s++)
        {
            spool.TryAppend(Record(s, jsonBytes: 100));
        }
        spool.EndBatch();
        int framed = SpoolRecordFormat.FramedLength(Record(1, jsonBytes: 100));

        Assert.Equal(Range(6, 20), Sequences(spool.Read(5, 100, 1 << 20)));
        Assert.Equal(Range(6, 9), Sequences(spool.Read(5, 4, 1 << 20)));
        Assert.Equal(Range(1, 3), Sequences(spool.Read(0, 100, (3 * framed) + framed - 1)));
        Assert.Equal([1L], Sequences(spool.Read(0, 100, 1))); // always at least one record
        Assert.Empty(spool.Read(20, 100, 1 << 20));
        Assert.Empty(spool.Read(1000, 100, 1 << 20));
    }

    [Fact]
    public void Acknowledge_persists_the_watermark_never_goes_back_and_never_passes_the_last_record()
    {
        using DurableSpool spool = Open();
        for (long s = 1; s <= 10; s++)
        {
            spool.TryAppend(Record(s));
        }

        spool.Acknowledge(4);
        Assert.Equal(4, spool.Watermark);
        Assert.Equal("4\n", File.ReadAllText(Path.Combine(SpoolDir, "watermark")));
        Assert.Equal(6, spool.GetStats().Events);
        Assert.Equal(6, spool.GetStats().WatermarkLag);

        spool.Acknowledge(2);
        Assert.Equal(4, spool.Watermark);

        spool.Acknowledge(1000);
        Assert.Equal(10, spool.Watermark);
        Assert.Equal("10\n", File.ReadAllText(Path.Combine(SpoolDir, "watermark")));
        Assert.False(File.Exists(Path.Combine(SpoolDir, "watermark.tmp")));
    }

    [Fact]
    public void A_sequence_not_above_every_one_offered_is_rejected()
    {
        using DurableSpool spool = Open();
        spool.TryAppend(Record(5));

        Assert.Throws<ArgumentException>(() => spool.TryAppend(Record(5)));
        Assert.Throws<ArgumentException>(() => spool.TryAppend(Record(3)));
        Assert.True(spool.TryAppend(Record(9)));
        Assert.Equal([5L, 9L], Sequences(spool.Read(0, 10, 1 << 20)));
    }

    [Fact]
    public void Reopening_replays_from_the_watermark_and_continues_the_sequence()
    {
        using (DurableSpool first = Open())
        {
            for (long s = 1; s <= 20; s++)
            {
                first.TryAppend(Record(s));
            }
            first.EndBatch();
            first.Acknowledge(7);
        }

        using DurableSpool second = Open();

        Assert.Empty(second.RecoveryIssues);
        Assert.Equal(7, second.Watermark);
        Assert.Equal(20, second.LastSequence);
        IReadOnlyList<DeliveryRecord> replay = second.Read(second.Watermark, 100, 1 << 20);
        Assert.Equal(Range(8, 20), Sequences(replay));
        AssertSame(Record(8), replay[0]);
        Assert.Throws<ArgumentException>(() => second.TryAppend(Record(20)));
        Assert.True(second.TryAppend(Record(21)));
        Assert.Equal(Range(8, 21), Sequences(second.Read(7, 100, 1 << 20)));
        Assert.Equal(2, SegmentFiles().Length); // appends after an open go to a new segment
    }

    [Fact]
    public void Segments_roll_at_the_size_limit_are_named_by_their_first_sequence_and_are_deleted_once_acknowledged()
    {
        var options = new SpoolOptions { SegmentBytes = 4096 };
        int framed = SpoolRecordFormat.FramedLength(Record(1, jsonBytes: 480));
        int perSegment = 4096 / framed;
        using DurableSpool spool = Open(options);
        for (long s = 1; s <= 100; s++)
        {
            Assert.True(spool.TryAppend(Record(s, jsonBytes: 480)));
        }
        spool.EndBatch();

        string[] files = SegmentFiles();
        Assert.Equal((100 + perSegment - 1) / perSegment, files.Length);
        Assert.Equal("00000000000000000001.seg", files[0]);
        Assert.Equal($"{1 + perSegment:D20}.seg", files[1]);
        Assert.All(files, f => Assert.True(new FileInfo(Path.Combine(SpoolDir, f)).Length <= 4096));
        Assert.Equal(100L * framed, spool.GetStats().Bytes);

        spool.Acknowledge(50);
        int kept = ((100 + perSegment - 1) / perSegment) - (50 / perSegment);
        Assert.Equal(kept, SegmentFiles().Length);
        Assert.Equal(Range(51, 100), Sequences(spool.Read(50, 1000, 1 << 20)));
        Assert.Equal(50, spool.GetStats().Events);

        spool.Acknowledge(100);
        Assert.Empty(SegmentFiles());
        Assert.Equal(0, spool.GetStats().Bytes);
        Assert.True(spool.TryAppend(Record(101)));
        spool.EndBatch();
        Assert.Equal(["00000000000000000101.seg"], SegmentFiles());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            File.GetUnixFileMode(Path.Combine(SpoolDir, "00000000000000000101.seg")));
    }

    [Fact]
    public void Records_larger_than_the_write_buffer_go_straight_to_the_file()
    {
        var options = new SpoolOptions { WriteBufferBytes = 4096 };
        using (DurableSpool spool = Open(options))
        {
            spool.TryAppend(Record(1, jsonBytes: 100));
            spool.TryAppend(Record(2, jsonBytes: 10_000));
            spool.TryAppend(Record(3, jsonBytes: 100));
            Assert.Equal(Range(1, 3), Sequences(spool.Read(0, 10, 1 << 20)));
        }
        using DurableSpool reopened = Open(options);
        IReadOnlyList<DeliveryRecord> records = reopened.Read(0, 10, 1 << 20);
        Assert.Equal(Range(1, 3), Sequences(records));
        AssertSame(Record(2, jsonBytes: 10_000), records[1]);
    }

    [Fact]
    public void When_full_the_newest_events_are_dropped_and_the_exact_range_is_reported_once_acknowledgements_free_room()
    {
        var options = new SpoolOptions { MaxBytes = 8192 }; // segments of 2 KiB
        using DurableSpool spool = Open(options);
        long s = 0;
        while (spool.TryAppend(Record(++s, jsonBytes: 480)))
        {
        }
        long firstDropped = s;
        for (int i = 0; i < 9; i++)
        {
            Assert.False(spool.TryAppend(Record(++s, jsonBytes: 480)));
        }
        Assert.Equal(10, spool.GetStats().Drops);
        Assert.True(spool.GetStats().Bytes <= 8192);
        Assert.Null(spool.TakeLoss()); // no room yet

        spool.Acknowledge(1); // inside the first segment: nothing freed
        Assert.Null(spool.TakeLoss());

        spool.Acknowledge(firstDropped - 1);
        Assert.Equal(new SpoolLoss(firstDropped, firstDropped + 9, 10), spool.TakeLoss());
        Assert.Null(spool.TakeLoss());
        Assert.True(spool.TryAppend(Record(++s, jsonBytes: 480)));
        Assert.Equal(Range(s, s), Sequences(spool.Read(firstDropped - 1, 100, 1 << 20)));
    }

    [Fact]
    public void Separate_runs_of_drops_stay_separate_ranges_and_drops_of_non_contiguous_sequences_are_counted_exactly()
    {
        var options = new SpoolOptions { MaxBytes = 8192 };
        using DurableSpool spool = Open(options);
        long s = 0;
        while (spool.TryAppend(Record(s += 1, jsonBytes: 480)))
        {
        }
        long first = s;
        spool.TryAppend(Record(s += 2, jsonBytes: 480)); // sequences need not be contiguous
        spool.TryAppend(Record(s += 3, jsonBytes: 480));
        long firstLast = s;

        spool.Acknowledge(first - 1); // room again; the first range waits for TakeLoss
        long accepted = 0;
        while (spool.TryAppend(Record(s += 1, jsonBytes: 480)))
        {
            accepted++;
        }
        long second = s;
        spool.TryAppend(Record(s += 1, jsonBytes: 480));
        Assert.True(accepted > 0);

        Assert.Null(spool.TakeLoss()); // full again
        spool.Acknowledge(second - 1);
        Assert.Equal(new SpoolLoss(first, firstLast, 3), spool.TakeLoss());
        Assert.Equal(new SpoolLoss(second, second + 1, 2), spool.TakeLoss());
        Assert.Null(spool.TakeLoss());
        Assert.Equal(5, spool.GetStats().Drops);
    }

    [Fact]
    public void A_hundred_runs_of_drops_waiting_for_room_stay_a_hundred_exact_ranges()
    {
        var options = new SpoolOptions { MaxBytes = 8192 };
        using DurableSpool spool = Open(options);
        long s = 0;
        var dropped = new List<long>();
        for (int run = 0; run < 100; run++)
        {
            while (spool.TryAppend(Record(++s, jsonBytes: 480)))
            {
            }
            dropped.Add(s);
            spool.Acknowledge(s - 1); // room again, but nobody takes the loss yet: the ranges pile up
        }

        var losses = new List<SpoolLoss>();
        while (spool.TakeLoss() is SpoolLoss loss)
        {
            losses.Add(loss);
        }
        Assert.Equal(dropped.Select(static d => new SpoolLoss(d, d, 1)), losses);
    }

    [Fact]
    public void A_record_larger_than_the_whole_spool_is_dropped_not_thrown()
    {
        var options = new SpoolOptions { MaxBytes = 8192 };
        using DurableSpool spool = Open(options);

        Assert.False(spool.TryAppend(Record(1, jsonBytes: 10_000)));
        Assert.True(spool.TryAppend(Record(2)));
        Assert.Equal(new SpoolLoss(1, 1, 1), spool.TakeLoss());
    }

    [Fact]
    public void Stats_count_bytes_events_segments_and_lag()
    {
        using DurableSpool spool = Open();
        for (long s = 1; s <= 10; s++)
        {
            spool.TryAppend(Record(s));
        }
        spool.Acknowledge(3);

        SpoolStats stats = spool.GetStats();

        Assert.Equal(10L * SpoolRecordFormat.FramedLength(Record(1)), stats.Bytes);
        Assert.Equal(7, stats.Events);
        Assert.Equal(1, stats.Segments);
        Assert.Equal(3, stats.Watermark);
        Assert.Equal(10, stats.LastSequence);
        Assert.Equal(7, stats.WatermarkLag);
        Assert.Equal(0, stats.Drops);
        Assert.Equal(0, stats.Recoveries);
    }

    [Theory]
    [InlineData(SpoolSyncPolicy.PerBatch)]
    [InlineData(SpoolSyncPolicy.Interval)]
    public void The_end_of_a_batch_hands_every_record_to_the_kernel_whatever_the_policy(SpoolSyncPolicy policy)
    {
        var time = new ManualTime();
        using DurableSpool spool = Open(new SpoolOptions { SyncPolicy = policy, SyncInterval = TimeSpan.FromSeconds(5) }, time);
        for (long s = 1; s <= 10; s++)
        {
            spool.TryAppend(Record(s));
        }
        string segment = Path.Combine(SpoolDir, SegmentFiles()[0]);
        Assert.Equal(0, new FileInfo(segment).Length); // still buffered

        spool.EndBatch();

        Assert.Equal(10L * SpoolRecordFormat.FramedLength(Record(1)), new FileInfo(segment).Length);
        time.Advance(TimeSpan.FromSeconds(6));
        spool.TryAppend(Record(11)); // an interval sync due on append must not disturb anything
        spool.EndBatch();
        Assert.Equal(Range(1, 11), Sequences(spool.Read(0, 100, 1 << 20)));
    }

    [Fact]
    public void A_disposed_spool_refuses_use()
    {
        DurableSpool spool = Open();
        spool.TryAppend(Record(1));
        spool.Dispose();
        spool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => spool.TryAppend(Record(2)));
        Assert.Throws<ObjectDisposedException>(() => spool.Read(0, 1, 100));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
