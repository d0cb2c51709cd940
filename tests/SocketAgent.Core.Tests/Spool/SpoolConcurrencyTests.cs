using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

public sealed class SpoolConcurrencyTests : SpoolTestDirectory
{
    [Fact]
    public async Task One_appender_and_one_reader_acknowledger_lose_nothing_and_keep_order()
    {
        const long Total = 100_000;
        // Small segments so rolls and deletions race with reads.
        using DurableSpool spool = Open(new SpoolOptions { SegmentBytes = 64 * 1024, MaxBytes = 64L * 1024 * 1024 });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromMinutes(2));

        Task writer = Task.Run(() =>
        {
            for (long s = 1; s <= Total; s++)
            {
                Assert.True(spool.TryAppend(Record(s, jsonBytes: 120)));
                if (s % 1000 == 0)
                {
                    spool.EndBatch();
                }
            }
            spool.EndBatch();
        }, cancel.Token);

        Task<long> reader = Task.Run(() =>
        {
            long cursor = 0;
            while (cursor < Total)
            {
                cancel.Token.ThrowIfCancellationRequested();
                IReadOnlyList<DeliveryRecord> batch = spool.Read(cursor, 700, 256 * 1024);
                foreach (DeliveryRecord record in batch)
                {
                    Assert.Equal(cursor + 1, record.Sequence);
                    Assert.Equal(Record(record.Sequence, jsonBytes: 120).Json.ToArray(), record.Json.ToArray());
                    cursor = record.Sequence;
                }
                if (batch.Count == 0)
                {
                    Thread.Yield();
                }
                else if (cursor % 3 == 0)
                {
                    spool.Acknowledge(cursor - 100);
                }
            }
            spool.Acknowledge(cursor);
            return cursor;
        }, cancel.Token);

        await writer;
        Assert.Equal(Total, await reader);
        SpoolStats stats = spool.GetStats();
        Assert.Equal(0, stats.Events);
        Assert.Equal(0, stats.Drops);
        Assert.Equal(Total, stats.Watermark);
        Assert.Empty(SegmentFiles());
    }
}
