using SocketAgent.Correlation;

namespace SocketAgent.Tests.Correlation;

/// <summary>The window of recent event ids that drops redeliveries: what it must catch, and what it may forget.</summary>
public sealed class RecentIdSetTests
{
    [Fact]
    public void A_redelivered_id_within_the_window_is_caught_and_a_new_one_is_not()
    {
        var ids = new RecentIdSet(capacity: 1024);
        var random = new Random(7); // the ids' random bits pick their sets: a fixed seed, a fixed outcome
        Guid[] batch = [.. Enumerable.Range(0, 512).Select(_ => Id(random))];

        Assert.All(batch, id => Assert.True(ids.Add(id)));
        // Half the capacity later, at least nine in ten are still known: a set (4 slots, 256 sets) forgets only past 4
        // ids, and 2 land in a set on average (with this seed 479 of 512 are caught; exact FIFO would catch 512).
        int caught = batch.Count(id => !ids.Add(id));
        Assert.True(caught >= 460, $"only {caught} of 512 redeliveries caught");
        Assert.True(ids.Add(Guid.CreateVersion7()));
        Assert.True(ids.Count <= 1024);
    }

    [Fact]
    public void Ids_long_past_the_window_are_forgotten_so_memory_stays_bounded()
    {
        var ids = new RecentIdSet(capacity: 64);
        Guid first = Guid.NewGuid();
        ids.Add(first);
        for (int i = 0; i < 10_000; i++)
        {
            ids.Add(Guid.NewGuid());
        }

        Assert.True(ids.Count <= 64);
        Assert.True(ids.Add(first)); // forgotten: applied again, which the join's merge makes harmless
    }

    [Fact]
    public void Clear_forgets_every_id()
    {
        var ids = new RecentIdSet(capacity: 16);
        Guid id = Guid.NewGuid();
        ids.Add(id);
        ids.Clear();
        Assert.Equal(0, ids.Count);
        Assert.True(ids.Add(id));
    }

    private static Guid Id(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    [Fact]
    public void A_zero_capacity_keeps_nothing_and_the_empty_id_is_never_a_duplicate()
    {
        var none = new RecentIdSet(capacity: 0);
        Guid id = Guid.NewGuid();
        Assert.True(none.Add(id));
        Assert.True(none.Add(id));

        var some = new RecentIdSet(capacity: 8);
        Assert.True(some.Add(Guid.Empty));
        Assert.True(some.Add(Guid.Empty));
    }
}
