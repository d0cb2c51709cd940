using System.Buffers.Binary;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using static SocketAgent.Tests.Collection.Netlink.NetlinkWire;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// The dump loop shared by sock_diag and rtnetlink, fed the replies the kernel really sent (Fixtures/netlink) cut into
/// datagrams, ended by an error or not at all, flagged interrupted.
/// </summary>
public class NetlinkDumpRunnerTests
{
    private const string Protocol = "test";
    private const string FailedPrefix = "test.failed.";

    /// <summary>The data messages of the captured tcp4 dump (without its NLMSG_DONE), one array each.</summary>
    private static readonly byte[][] s_tcp4 = [.. Messages(NetlinkFixtures.Dump("tcp4")).SkipLast(1)];

    private sealed class RecordingDump : INetlinkDump
    {
        public List<uint> Sequences { get; } = [];
        public List<int> Lengths { get; } = [];
        public int Attempts { get; private set; }
        public int Discarded { get; private set; }
        private int _attemptStart;

        public int WriteRequest(Span<byte> destination, uint sequence)
        {
            Sequences.Add(sequence);
            Message(20, sequence, [1, 2, 3, 4]).CopyTo(destination);
            return NetlinkProtocol.HeaderSize + 4;
        }

        public void BeginAttempt()
        {
            Attempts++;
            _attemptStart = Lengths.Count;
        }

        public void DiscardAttempt()
        {
            Discarded++;
            Lengths.RemoveRange(_attemptStart, Lengths.Count - _attemptStart);
        }

        public void OnMessage(ushort type, ReadOnlySpan<byte> payload)
        {
            Assert.Equal(SockDiag.SOCK_DIAG_BY_FAMILY, type);
            Lengths.Add(payload.Length);
        }
    }

    private static (int Error, RecordingDump Dump, NetlinkDumpRunner Runner, CollectionDiagnostics Diagnostics) Run(ReplayTransport transport)
    {
        var diagnostics = new CollectionDiagnostics();
        var runner = new NetlinkDumpRunner(transport, diagnostics, Protocol, FailedPrefix, firstSequence: 40);
        var dump = new RecordingDump();
        int error = runner.Run(dump, "tcp", new byte[NetlinkDumpReader.BufferSize]);
        return (error, dump, runner, diagnostics);
    }

    [Fact]
    public void CapturedReply_OverSeveralDatagrams_HandsOverEveryMessage()
    {
        // Three messages a datagram, the last one carrying NLMSG_DONE, as the kernel packs a dump.
        var (error, dump, runner, diagnostics) = Run(new ReplayTransport((_, seq) =>
            [.. s_tcp4.Append(Done(seq)).Chunk(3).Select(part => Renumber(Concat(part), seq))]));

        Assert.Equal(0, error);
        Assert.Equal(s_tcp4.Length, dump.Lengths.Count);
        Assert.Equal(s_tcp4.Select(m => (int)BinaryPrimitives.ReadUInt32LittleEndian(m) - NetlinkProtocol.HeaderSize), dump.Lengths);
        Assert.Equal((1, 0), (runner.SucceededDumps, runner.FailedDumps));
        Assert.Empty(diagnostics.Counters);
        Assert.Equal([40u], dump.Sequences);
    }

    [Fact]
    public void CapturedReply_EndedByNlmsgError_KeepsWhatCameBeforeAndReturnsTheErrno()
    {
        var (error, dump, runner, diagnostics) = Run(new ReplayTransport((_, seq) =>
            [Renumber(Concat(s_tcp4[..4]), seq), Concat(Renumber(Concat(s_tcp4[4..]), seq), Error(seq, 22))]));

        Assert.Equal(22, error);
        Assert.Equal(s_tcp4.Length, dump.Lengths.Count);
        Assert.Equal((0, 1), (runner.SucceededDumps, runner.FailedDumps));
        Assert.Equal(1, diagnostics.Get(FailedPrefix + "tcp"));
        // The refusal's wording is the caller's (some are expected): the runner only counts it.
        Assert.Empty(diagnostics.Warnings);
    }

    [Fact]
    public void CapturedRawDump_DoneCarryingEnoent_IsARefusal()
    {
        byte[] raw = NetlinkFixtures.Dump("raw4");
        var (error, dump, runner, _) = Run(new ReplayTransport((_, seq) => [Renumber(raw, seq)]));

        Assert.Equal(2, error);
        Assert.Empty(dump.Lengths);
        Assert.Equal(1, runner.FailedDumps);
    }

    [Fact]
    public void CapturedReply_WithoutDone_IsTruncatedAndWarned()
    {
        var (error, dump, runner, diagnostics) = Run(new ReplayTransport((_, seq) => [Renumber(Concat(s_tcp4), seq)]));

        Assert.Equal(0, error);
        Assert.Equal(s_tcp4.Length, dump.Lengths.Count);
        Assert.Equal((0, 1), (runner.SucceededDumps, runner.FailedDumps));
        Assert.Equal(1, diagnostics.Get("test.dump_truncated"));
        Assert.Contains("test: the tcp dump ended without NLMSG_DONE", Assert.Single(diagnostics.Warnings));
    }

    [Fact]
    public void CapturedReply_CutInsideAMessage_DropsTheRestOfThatDatagramAndCountsIt()
    {
        // The first datagram ends 100 bytes into its third message: that message and nothing later in the datagram is read.
        byte[] first = Renumber(Concat(s_tcp4[..3]), 40)[..(2 * s_tcp4[0].Length + 100)];
        var (error, dump, runner, diagnostics) = Run(new ReplayTransport((_, seq) =>
            [first, Concat(Renumber(Concat(s_tcp4[3..]), seq), Done(seq))]));

        Assert.Equal(0, error);
        Assert.Equal(2 + s_tcp4.Length - 3, dump.Lengths.Count);
        Assert.Equal(1, runner.SucceededDumps);
        Assert.Equal(1, diagnostics.Get("test.datagrams_malformed"));
    }

    [Fact]
    public void LeftoverReplyOfAnEarlierRequest_IsSkippedAndCounted()
    {
        var (error, dump, _, diagnostics) = Run(new ReplayTransport((_, seq) =>
            [Renumber(Concat(s_tcp4[..2]), seq - 1), Concat(Renumber(Concat(s_tcp4), seq), Done(seq))]));

        Assert.Equal(0, error);
        Assert.Equal(s_tcp4.Length, dump.Lengths.Count);
        Assert.Equal(2, diagnostics.Get("test.messages_foreign"));
    }

    [Fact]
    public void CapturedReply_FlaggedInterrupted_IsRedoneUnderANewSequenceAndOnlyTheCleanAnswerKept()
    {
        var (error, dump, runner, diagnostics) = Run(new ReplayTransport((index, seq) =>
            [Concat(Renumber(Concat(index == 0 ? [Interrupted(s_tcp4[0]), .. s_tcp4[1..]] : s_tcp4[2..]), seq), Done(seq))]));

        Assert.Equal(0, error);
        Assert.Equal(s_tcp4.Length - 2, dump.Lengths.Count);
        Assert.Equal((2, 1), (dump.Attempts, dump.Discarded));
        Assert.Equal([40u, 41u], dump.Sequences);
        Assert.Equal(1, runner.SucceededDumps);
        Assert.Equal(1, diagnostics.Get("test.dump_retried"));
        Assert.Equal(0, diagnostics.Get("test.dump_interrupted"));
    }

    [Fact]
    public void CapturedReply_AlwaysInterrupted_KeepsTheLastAnswerAfterBoundedAttempts()
    {
        var (error, dump, runner, diagnostics) = Run(new ReplayTransport((_, seq) =>
            [Concat(Renumber(Concat([Interrupted(s_tcp4[0]), .. s_tcp4[1..]]), seq), Done(seq))]));

        Assert.Equal(0, error);
        Assert.Equal(s_tcp4.Length, dump.Lengths.Count);
        Assert.Equal(NetlinkDumpRunner.MaxDumpAttempts, dump.Attempts);
        Assert.Equal(NetlinkDumpRunner.MaxDumpAttempts - 1, diagnostics.Get("test.dump_retried"));
        Assert.Equal(1, diagnostics.Get("test.dump_interrupted"));
        Assert.Equal(1, runner.SucceededDumps);
    }

    [Fact]
    public void MessagesCostNoAllocation()
    {
        // The same reply ten times over: the loop allocates per dump at most, never per message.
        long small = AllocatedBy(new CannedTransport(Concat(Renumber(Concat(s_tcp4), 40), Done(40))));
        long large = AllocatedBy(new CannedTransport(Concat(Renumber(Concat([.. Enumerable.Repeat(s_tcp4, 10).SelectMany(m => m)]), 40), Done(40))));
        Assert.Equal(small, large);
    }

    private static long AllocatedBy(CannedTransport transport)
    {
        var runner = new NetlinkDumpRunner(transport, new CollectionDiagnostics(), Protocol, FailedPrefix, firstSequence: 40);
        var dump = new CountingDump();
        byte[] buffer = new byte[NetlinkDumpReader.BufferSize];
        long before = GC.GetAllocatedBytesForCurrentThread();
        runner.Run(dump, "tcp", buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(dump.Messages >= s_tcp4.Length);
        return allocated;
    }

    /// <summary>Answers the one request with one datagram, allocating nothing.</summary>
    private sealed class CannedTransport(byte[] datagram) : INetlinkTransport
    {
        private bool _sent;

        public void Send(ReadOnlySpan<byte> request) => _sent = true;

        public int Receive(Span<byte> buffer)
        {
            if (!_sent)
            {
                return 0;
            }
            _sent = false;
            datagram.CopyTo(buffer);
            return datagram.Length;
        }
    }

    private sealed class CountingDump : INetlinkDump
    {
        public int Messages { get; private set; }
        public int WriteRequest(Span<byte> destination, uint sequence) => NetlinkProtocol.HeaderSize;
        public void BeginAttempt() { }
        public void DiscardAttempt() { }
        public void OnMessage(ushort type, ReadOnlySpan<byte> payload) => Messages++;
    }

    /// <summary>The messages of a capture, each with its padding.</summary>
    private static List<byte[]> Messages(byte[] capture)
    {
        var messages = new List<byte[]>();
        for (int offset = 0; offset < capture.Length;)
        {
            int next = Math.Min(capture.Length, offset + NetlinkProtocol.Align((int)BinaryPrimitives.ReadUInt32LittleEndian(capture.AsSpan(offset))));
            messages.Add(capture[offset..next]);
            offset = next;
        }
        return messages;
    }

    /// <summary>A copy of <paramref name="datagram"/> whose whole messages all carry <paramref name="sequence"/>.</summary>
    private static byte[] Renumber(byte[] datagram, uint sequence)
    {
        byte[] copy = datagram.ToArray();
        for (int offset = 0; offset + NetlinkProtocol.HeaderSize <= copy.Length;)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset + 8), sequence);
            offset += NetlinkProtocol.Align((int)BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(offset)));
        }
        return copy;
    }

    private static byte[] Interrupted(byte[] message)
    {
        byte[] copy = message.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(6), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(6)) | NetlinkProtocol.NLM_F_DUMP_INTR));
        return copy;
    }
}
