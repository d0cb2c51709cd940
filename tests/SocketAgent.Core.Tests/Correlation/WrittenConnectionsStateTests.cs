using System.Text;
using SocketAgent.Correlation;
using static SocketAgent.Tests.Correlation.CorrelationHarness;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// The exactly-once output's state: the record each transaction commits per input partition, the journal that says
/// where a partition's relevant history starts, and the engine taking restored connections as written.
/// </summary>
public sealed class WrittenConnectionsStateTests
{
    private const long Second = 1_000_000_000L;

    private static CommunityKey Key(int i, ConnectionTransport transport = ConnectionTransport.Tcp) =>
        new((ulong)i * 0x9E3779B97F4A7C15UL, ~(ulong)i, (uint)i, transport);

    [Fact]
    public void A_record_reads_back_as_written()
    {
        var record = new WrittenConnectionsRecord
        {
            NextOffset = 1234,
            From = 56,
            EventTime = 1_733_000_000L * Second,
            Written = [new(Key(1), 10 * Second, 12 * Second, 1300), new(Key(2, ConnectionTransport.Udp), 11 * Second, EventTimestamp.Unknown, 1301)],
        };
        byte[] bytes = record.Encode();

        Assert.True(WrittenConnectionsRecord.TryDecode(bytes, out WrittenConnectionsRecord? read));
        Assert.Equal(1234, read!.NextOffset);
        Assert.Equal(56, read.From);
        Assert.Equal(record.EventTime, read.EventTime);
        Assert.Equal(record.Written, read.Written);
        Assert.Equal(12 * Second, read.Written[0].LastSeen);
        Assert.Equal(11 * Second, read.Written[1].LastSeen); // still open: its start
    }

    [Fact]
    public void Anything_this_version_did_not_write_is_refused()
    {
        byte[] bytes = new WrittenConnectionsRecord { NextOffset = 1, From = -1, EventTime = 0, Written = [new(Key(1), 1, 2, 3)] }.Encode();
        Assert.False(WrittenConnectionsRecord.TryDecode(bytes.AsSpan(0, bytes.Length - 1), out _)); // truncated
        Assert.False(WrittenConnectionsRecord.TryDecode([.. bytes, 0], out _)); // trailing byte
        byte[] newer = [.. bytes];
        newer[0] = 2;
        Assert.False(WrittenConnectionsRecord.TryDecode(newer, out _)); // a newer writer's version
        byte[] badTransport = [.. bytes];
        badTransport[^25] = 9;
        Assert.False(WrittenConnectionsRecord.TryDecode(badTransport, out _));
        Assert.False(WrittenConnectionsRecord.TryDecode("{\"not\":\"state\"}"u8, out _));
    }

    [Fact]
    public void The_journal_keeps_a_record_while_its_connections_may_be_read_again_or_their_far_end_may_come()
    {
        var journal = new WrittenConnectionsJournal();
        journal.Written(0, new WrittenConnection(Key(1), 100 * Second, 101 * Second, Offset: 40));
        Assert.Equal(-1, journal.From(0, nextOffset: 35, forgetBefore: 0));
        journal.Recorded(0, stateOffset: 7, nextOffset: 35);
        Assert.Empty(journal.Pending(0));
        Assert.Equal(35, journal.LastNextOffset(0));

        journal.Written(0, new WrittenConnection(Key(2), 200 * Second, 201 * Second, Offset: 90));
        journal.Recorded(0, stateOffset: 9, nextOffset: 80);

        // Offset 40 is behind the next reader, but connection 1 ended within the retention: both records matter.
        Assert.Equal(7, journal.From(0, nextOffset: 80, forgetBefore: 50 * Second));
        // Past the retention too: only the record of offset 90 is left.
        Assert.Equal(9, journal.From(0, nextOffset: 80, forgetBefore: 150 * Second));
        Assert.Equal(-1, journal.From(0, nextOffset: 95, forgetBefore: 250 * Second));
        Assert.Equal(-1, journal.From(3, nextOffset: 0, forgetBefore: 0)); // a partition never written
    }

    [Fact]
    public void A_connection_restored_as_written_is_not_written_again_when_its_events_are_read_again()
    {
        string[] events = [.. Client, .. Server];
        var first = new RecordingSink();
        Run(new CorrelationEngine(new CorrelationOptions(), first, static _ => { }), events);
        Assert.NotEmpty(first.Written);

        // A partition's next owner (or this member after an abort): nothing held, what was written restored.
        var next = new RecordingSink();
        var engine = new CorrelationEngine(new CorrelationOptions(), next, static _ => { });
        foreach (CorrelatedConnection written in first.Written)
        {
            engine.RestoreWritten(written.Key, written.Start, written.End);
        }
        Run(engine, events);
        Assert.Empty(next.Written);
        Assert.True(engine.Counters.LateEvents > 0);

        // Reset forgets them again: what an aborted transaction wrote is written again.
        engine.Reset();
        Run(engine, events);
        Assert.Equal(first.Written.Select(static c => ConnectionId.Derive(c)), next.Written.Select(static c => ConnectionId.Derive(c)));
    }

    private static void Run(CorrelationEngine engine, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            engine.ProcessLine(Encoding.UTF8.GetBytes(line), SourcePosition.None, 0);
        }
        engine.FlushAll();
    }

    private sealed class RecordingSink : IConnectionSink
    {
        public List<CorrelatedConnection> Written { get; } = [];

        public void Write(in CorrelatedConnection connection) => Written.Add(connection);

        public void Flush()
        {
        }
    }
}
