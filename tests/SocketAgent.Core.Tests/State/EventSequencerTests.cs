using System.Collections.Concurrent;
using SocketAgent.Events;
using SocketAgent.State;

namespace SocketAgent.Tests.State;

public sealed class EventSequencerTests
{
    [Fact]
    public void Continues_from_the_last_sequence_one_by_one()
    {
        var sequencer = new EventSequencer(41);

        Assert.Equal(41, sequencer.Last);
        Assert.Equal(42, sequencer.Next().Sequence);
        Assert.Equal(43, sequencer.Next().Sequence);
        Assert.Equal(43, sequencer.Last);
    }

    [Fact]
    public void Event_ids_are_unique_time_ordered_uuid_v7()
    {
        var sequencer = new EventSequencer(0);
        EventStamp[] stamps = Enumerable.Range(0, 1000).Select(_ => sequencer.Next()).ToArray();

        Assert.Equal(stamps.Length, stamps.Select(static s => s.Id).Distinct().Count());
        foreach (EventStamp stamp in stamps)
        {
            Assert.Equal(7, Guid.ParseExact(stamp.Id, "D").Version);
        }
    }

    [Fact]
    public void Stamps_from_several_threads_have_no_gap_and_no_duplicate()
    {
        var sequencer = new EventSequencer(100);
        var sequences = new ConcurrentBag<long>();

        Parallel.For(0, 10_000, _ => sequences.Add(sequencer.Next().Sequence));

        Assert.Equal(Enumerable.Range(101, 10_000).Select(static i => (long)i), sequences.Order());
    }

    [Fact]
    public void A_negative_start_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventSequencer(-1));
}
