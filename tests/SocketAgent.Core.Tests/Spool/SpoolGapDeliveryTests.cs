using SocketAgent.Delivery;
using SocketAgent.Spool;
using SocketAgent.Tests.Delivery;

namespace SocketAgent.Tests.Spool;

/// <summary>
/// The sequences in a spool are not always contiguous: a full spool drops a range (and names it in a loss event), a
/// cut corrupt tail removes one, and a first run with the Kafka output continues a sequence that stdout already
/// used. The watermark must still move over every record the remote confirmed — a gap is not an unconfirmed record —
/// or acknowledgements stop for good and the spool fills up and drops everything after it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SpoolGapDeliveryTests : SpoolTestDirectory
{
    private static readonly DeliveryLoopOptions s_fast = new()
    {
        BatchRecords = 100,
        IdleWait = TimeSpan.FromMilliseconds(5),
        RetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(40),
        DrainTimeout = TimeSpan.FromSeconds(2),
    };

    [Theory]
    [InlineData(new long[] { 1, 10, 21, 30 })] // a dropped range in the middle
    [InlineData(new long[] { 1001, 1010 })] // the first record far above the watermark (stdout used 1..1000)
    [InlineData(new long[] { 1, 5, 7, 7, 9, 12, 500, 505 })] // several
    public async Task The_watermark_moves_over_gaps_between_confirmed_records(long[] runs)
    {
        using DurableSpool spool = Open();
        var expected = new List<long>();
        for (int i = 0; i < runs.Length; i += 2)
        {
            for (long s = runs[i]; s <= runs[i + 1]; s++)
            {
                Assert.True(spool.TryAppend(Record(s)));
                expected.Add(s);
            }
        }
        spool.EndBatch();
        var broker = new FakeBroker();
        using var loop = new DeliveryLoop(spool, broker.Build, s_fast);

        using var stop = new CancellationTokenSource();
        Task run = loop.RunAsync(stop.Token);
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (spool.Watermark < expected[^1] && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        stop.Cancel();
        await run;

        Assert.Equal(expected, broker.Received.Distinct().Order());
        Assert.Equal(expected[^1], spool.Watermark);
        Assert.Empty(SegmentFiles()); // all acknowledged: every segment deleted
    }
}
