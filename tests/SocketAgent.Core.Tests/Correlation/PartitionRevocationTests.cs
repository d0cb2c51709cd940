using System.Text;
using Confluent.Kafka;
using SocketAgent.Correlation;
using static SocketAgent.Tests.Correlation.CorrelationHarness;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// A partition revoked from a correlate member (a rebalance) or lost (its session expired): its pending connections
/// and offsets are dropped, nothing is committed for it again, and if it comes back its events are read afresh.
/// </summary>
public sealed class PartitionRevocationTests
{
    private static readonly TopicPartition s_p0 = new("t", 0);
    private static readonly TopicPartition s_p1 = new("t", 1);

    private static void Feed(CorrelationHarness harness, OffsetTracker offsets, TopicPartition partition, IEnumerable<string> lines, long firstOffset)
    {
        int index = offsets.IndexOf(partition);
        long offset = firstOffset;
        foreach (string line in lines)
        {
            harness.Engine.ProcessLine(Encoding.UTF8.GetBytes(line), new SourcePosition(index, offset++), 0);
        }
    }

    [Fact]
    public void Only_owned_partitions_are_committed_and_a_revoked_one_never_again()
    {
        var offsets = new OffsetTracker();
        offsets.Assigned(s_p0);
        offsets.Assigned(s_p1);
        offsets.Consumed(new SourcePosition(offsets.IndexOf(s_p0), 10));
        offsets.Consumed(new SourcePosition(offsets.IndexOf(s_p1), 20));
        Assert.Equal([11L, 21L], offsets.CommittableOffsets().Select(static o => o.Offset.Value).Order());
        Assert.Equal(21, Assert.Single(offsets.CommittableOffsets([s_p1])).Offset.Value);

        offsets.Revoked(s_p1);
        TopicPartitionOffset only = Assert.Single(offsets.CommittableOffsets());
        Assert.Equal(s_p0, only.TopicPartition);
        Assert.Empty(offsets.CommittableOffsets([s_p1]));
        Assert.False(offsets.Owns(offsets.IndexOf(s_p1)));
        // A commit answer arriving for it after the revocation does not bring it back.
        offsets.Committed([new TopicPartitionOffset(s_p1, 21)]);
        Assert.Single(offsets.CommittableOffsets());

        // Assigned again: nothing to commit until something is read, and then from what is read now.
        offsets.Assigned(s_p1);
        Assert.Single(offsets.CommittableOffsets());
        offsets.Consumed(new SourcePosition(offsets.IndexOf(s_p1), 15));
        Assert.Equal(16, offsets.CommittableOffsets([s_p1]).Single().Offset.Value);
    }

    [Fact]
    public void A_revoked_partition_takes_its_pending_connections_and_offsets_with_it_and_leaves_the_others()
    {
        var offsets = new OffsetTracker();
        var harness = new CorrelationHarness(offsets: offsets);
        offsets.Assigned(s_p0);
        offsets.Assigned(s_p1);
        // p1: the captured client end, closed, waiting for the server; p0: another connection's client end.
        Feed(harness, offsets, s_p1, Client, 100);
        Feed(harness, offsets, s_p0, Client.Select(l => Rewrite(l, TimeSpan.Zero, n => OtherConnection(n, 40000, CommunityId(1)))), 50);
        Assert.Equal(2, harness.Engine.Pending);
        Assert.Equal(102, offsets.SmallestReferenced(s_p1));

        Assert.Equal(1, harness.Engine.DropPartition(offsets.IndexOf(s_p1)));
        offsets.Revoked(s_p1);

        Assert.Equal(1, harness.Engine.Pending);
        Assert.Equal(-1, offsets.SmallestReferenced(s_p1));
        Assert.Equal(52, offsets.SmallestReferenced(s_p0));
        Assert.Equal(s_p0, Assert.Single(offsets.CommittableOffsets()).TopicPartition);
        Assert.Empty(harness.Lines()); // dropped, not written: the partition's new owner writes it
    }

    [Fact]
    public void An_open_connection_is_dropped_with_its_partition_too()
    {
        var offsets = new OffsetTracker();
        var harness = new CorrelationHarness(offsets: offsets);
        offsets.Assigned(s_p1);
        Feed(harness, offsets, s_p1, Client.Where(static l => !l.Contains("\"closed\"", StringComparison.Ordinal)), 0);
        Assert.Equal(1, harness.Engine.Pending);
        Assert.Equal(1, harness.Engine.DropPartition(offsets.IndexOf(s_p1)));
        Assert.Empty(harness.Finish());
    }

    [Fact]
    public void A_partition_that_comes_back_is_read_again_not_taken_for_duplicates()
    {
        var offsets = new OffsetTracker();
        var harness = new CorrelationHarness(offsets: offsets);
        offsets.Assigned(s_p1);
        Feed(harness, offsets, s_p1, Client, 100);
        harness.Engine.DropPartition(offsets.IndexOf(s_p1));
        offsets.Revoked(s_p1);

        // Back from the committed offset: the same events (same ids), then the server's.
        offsets.Assigned(s_p1);
        Feed(harness, offsets, s_p1, [.. Client, .. Server], 100);

        JsonElementAssert(Assert.Single(harness.Lines()));
        Assert.Equal(0, harness.Engine.Counters.DuplicateEvents);
        Assert.Equal(108, Assert.Single(offsets.CommittableOffsets()).Offset.Value);
    }

    private static void JsonElementAssert(System.Text.Json.JsonElement line) =>
        Assert.Equal(2, line.GetProperty("correlation").GetProperty("sides").GetInt32());
}
