using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Tests.Collection.Netlink;
using static SocketAgent.Tests.Collection.Rtnetlink.RtnetlinkWire;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>The dump loop: retries on NLM_F_DUMP_INTR, refused dumps, malformed and unexpected messages, the join.</summary>
public class RtnetlinkDumperTests
{
    private const ushort Multi = NetlinkProtocol.NLM_F_MULTI;
    private const ushort Interrupted = NetlinkProtocol.NLM_F_MULTI | NetlinkProtocol.NLM_F_DUMP_INTR;

    private static byte[] Links(uint sequence, ushort flags = Multi) =>
        Answer(sequence, RtnetlinkProtocol.RTM_NEWLINK, flags, LinkPayload(1, "lo"), LinkPayload(2, "eth0"));

    private static byte[] Addresses(uint sequence) =>
        Answer(sequence, RtnetlinkProtocol.RTM_NEWADDR, Multi, AddressPayload(2, [10, 0, 0, 5], 24), AddressPayload(9, [10, 0, 0, 6], 24));

    private static byte[] Routes(uint sequence) =>
        Answer(sequence, RtnetlinkProtocol.RTM_NEWROUTE, Multi,
            RoutePayload(RtnetlinkProtocol.AF_INET, 0, 254, 0, Attribute(RtnetlinkProtocol.RTA_GATEWAY, [10, 0, 0, 1]), Attribute(RtnetlinkProtocol.RTA_OIF, U32(2))));

    private static byte[] Empty(uint sequence) => NetlinkWire.Done(sequence);

    [Fact]
    public void Collect_JoinsAddressesAndInterfaceNames()
    {
        var diagnostics = new CollectionDiagnostics();
        var transport = new ReplayTransport((i, seq) => [i switch { 0 => Links(seq), 1 => Addresses(seq), 2 => Routes(seq), _ => Empty(seq) }]);

        NetworkState state = new RtnetlinkDumper(transport, diagnostics).Collect();

        Assert.Equal(["lo", "eth0"], state.Interfaces.Select(i => i.Name));
        Assert.Equal(["10.0.0.5/24"], state.Interfaces[1].Addresses.Select(a => a.Cidr));
        Assert.Empty(state.Interfaces[0].Addresses);
        Assert.Equal("eth0", Assert.Single(state.Routes).OutputInterfaceName);
        Assert.Equal("netlink", state.Source);
        // The address of link 9 has no link: counted, not attached anywhere.
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.AddressesOrphaned));
    }

    [Fact]
    public void InterruptedDump_IsRedoneAndItsFirstAnswerDropped()
    {
        var diagnostics = new CollectionDiagnostics();
        var transport = new ReplayTransport((i, seq) => [i switch { 0 => Links(seq, Interrupted), 1 => Links(seq), _ => Empty(seq) }]);

        NetworkState state = new RtnetlinkDumper(transport, diagnostics).Collect();

        Assert.Equal(5, transport.Requests.Count);
        Assert.Equal(2, state.Interfaces.Count);
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.DumpRetried));
        Assert.Equal(0, diagnostics.Get(RtnetlinkCounters.DumpInterrupted));
    }

    [Fact]
    public void DumpInterruptedEveryTime_KeepsTheLastAnswerAfterMaxAttempts()
    {
        var diagnostics = new CollectionDiagnostics();
        var transport = new ReplayTransport((i, seq) => [i < NetlinkDumpRunner.MaxDumpAttempts ? Links(seq, Interrupted) : Empty(seq)]);

        var dumper = new RtnetlinkDumper(transport, diagnostics);
        NetworkState state = dumper.Collect();

        Assert.Equal(NetlinkDumpRunner.MaxDumpAttempts + 3, transport.Requests.Count);
        Assert.Equal(2, state.Interfaces.Count);
        Assert.Equal(NetlinkDumpRunner.MaxDumpAttempts - 1, diagnostics.Get(RtnetlinkCounters.DumpRetried));
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.DumpInterrupted));
        Assert.Equal(4, dumper.SucceededDumps);
    }

    [Fact]
    public void RefusedDump_IsWarnedAboutAndTheOthersKept()
    {
        var diagnostics = new CollectionDiagnostics();
        var transport = new ReplayTransport((i, seq) => [i switch { 0 => Links(seq), 3 => NetlinkWire.Error(seq, 97), _ => Empty(seq) }]);

        var dumper = new RtnetlinkDumper(transport, diagnostics);
        NetworkState state = dumper.Collect();

        Assert.Equal(2, state.Interfaces.Count);
        Assert.Equal(3, dumper.SucceededDumps);
        Assert.Equal(1, dumper.FailedDumps);
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.DumpFailedPrefix + "route6"));
        Assert.Contains(diagnostics.Warnings, w => w.Contains("route6", StringComparison.Ordinal));
    }

    [Fact]
    public void DumpWithoutDone_IsCountedAsTruncated()
    {
        var diagnostics = new CollectionDiagnostics();
        var transport = new ReplayTransport((i, seq) => i == 0 ? [NetlinkWire.Message(RtnetlinkProtocol.RTM_NEWLINK, seq, LinkPayload(1, "lo"))] : [Empty(seq)]);

        var dumper = new RtnetlinkDumper(transport, diagnostics);
        NetworkState state = dumper.Collect();

        Assert.Single(state.Interfaces);
        Assert.Equal(1, dumper.FailedDumps);
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.DumpTruncated));
    }

    [Fact]
    public void MalformedAndUnexpectedMessages_AreSkippedAndCounted()
    {
        var diagnostics = new CollectionDiagnostics();
        var transport = new ReplayTransport((i, seq) => i == 0
            ? [NetlinkWire.Concat(
                NetlinkWire.Message(RtnetlinkProtocol.RTM_NEWLINK, seq, new byte[7]),
                NetlinkWire.Message(RtnetlinkProtocol.RTM_NEWROUTE, seq, RoutePayload(RtnetlinkProtocol.AF_INET, 0, 254, 0)),
                Links(seq))]
            : [Empty(seq)]);

        NetworkState state = new RtnetlinkDumper(transport, diagnostics).Collect();

        Assert.Equal(2, state.Interfaces.Count);
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.RecordsMalformed));
        Assert.Equal(1, diagnostics.Get(RtnetlinkCounters.MessagesUnexpected));
    }

    [Fact]
    public void Collector_WhenTheSocketIsRefused_ThrowsUnavailable()
    {
        // Protocol 31 is past the kernel's last netlink protocol: socket() fails with EPROTONOSUPPORT.
        var e = Assert.Throws<RtnetlinkUnavailableException>(() => new RtnetlinkCollector(31).Collect(new CollectionDiagnostics()));
        Assert.IsType<NetlinkException>(e.InnerException);
    }
}
