using SocketAgent.Collection.Netlink;
using static SocketAgent.Tests.Collection.Netlink.NetlinkWire;

namespace SocketAgent.Tests.Collection.Netlink;

public class NetlinkDumpReaderTests
{
    private sealed class PortCollector : INetlinkMessageConsumer
    {
        public List<ushort> Types { get; } = [];
        public int Count => Types.Count;
        public void OnMessage(ushort type, ReadOnlySpan<byte> payload) => Types.Add(type);
    }

    private static (NetlinkDumpResult Result, PortCollector Consumer) Run(uint sequence, params byte[][] datagrams)
    {
        var consumer = new PortCollector();
        NetlinkDumpResult result = NetlinkDumpReader.Run(ReplayTransport.Always(datagrams), [1, 2, 3], sequence, new byte[NetlinkDumpReader.BufferSize], consumer);
        return (result, consumer);
    }

    [Fact]
    public void MultiPartDump_OverSeveralDatagrams_ReadsUntilDone()
    {
        var (result, consumer) = Run(7,
            Concat(InetMessage(7, 1, 1), InetMessage(7, 2, 2)),
            InetMessage(7, 3, 3),
            Concat(InetMessage(7, 4, 4), Done(7)),
            InetMessage(7, 5, 5)); // after DONE: never read
        Assert.True(result.Succeeded);
        Assert.Equal(4, consumer.Count);
    }

    [Fact]
    public void NlmsgError_EndsTheDumpWithItsErrno()
    {
        var (result, consumer) = Run(3, Concat(InetMessage(3, 1, 1), Error(3, 22)));
        Assert.Equal(22, result.Error);
        Assert.False(result.Succeeded);
        Assert.Equal(1, consumer.Count);
    }

    [Fact]
    public void DoneWithNegativeStatus_IsAnError()
    {
        var (result, _) = Run(3, Done(3, -2));
        Assert.Equal(2, result.Error);
    }

    [Fact]
    public void DumpIntrOnAnyMessage_IsReported()
    {
        ushort intr = NetlinkProtocol.NLM_F_MULTI | NetlinkProtocol.NLM_F_DUMP_INTR;
        var (result, consumer) = Run(3, InetMessage(3, 1, 1), Concat(InetMessage(3, 2, 2, flags: intr), Done(3)));
        Assert.True(result.Interrupted);
        Assert.True(result.Succeeded);
        Assert.Equal(2, consumer.Count);
    }

    [Fact]
    public void MessagesOfAnotherSequence_AreSkipped()
    {
        var (result, consumer) = Run(3, Concat(InetMessage(2, 1, 1), Done(2)), Concat(InetMessage(3, 2, 2), Done(3)));
        Assert.True(result.Succeeded);
        Assert.Equal(1, consumer.Count);
        Assert.Equal(2, result.ForeignMessages);
    }

    [Fact]
    public void TransportRunningDry_IsTruncated()
    {
        var (result, consumer) = Run(3, InetMessage(3, 1, 1));
        Assert.True(result.Truncated);
        Assert.Equal(1, consumer.Count);
    }

    [Fact]
    public void BadLength_DropsRestOfDatagramAndCountsIt()
    {
        byte[] bad = InetMessage(3, 1, 1);
        bad[0] = 255; // claims 255 bytes, has 88
        var (result, consumer) = Run(3, Concat(InetMessage(3, 2, 2), bad), Done(3));
        Assert.True(result.Succeeded);
        Assert.Equal(1, result.MalformedDatagrams);
        Assert.Equal(1, consumer.Count);
    }

    [Fact]
    public void SendsTheRequestAsGiven()
    {
        var transport = ReplayTransport.Always(Done(9));
        NetlinkDumpReader.Run(transport, Message(20, 9, [1, 2, 3, 4]), 9, new byte[4096], new PortCollector());
        Assert.Equal(Message(20, 9, [1, 2, 3, 4]), Assert.Single(transport.Requests));
    }
}
