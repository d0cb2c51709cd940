using System.Text;
using SocketAgent.Correlation;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// What the join holds per open connection: the managed heap grown by N one-sided connections that opened and neither
/// closed nor expired (the state a fleet's long-lived connections keep), each with an owner as the daemon names it.
/// Run alone: the heap is the whole process's, and what tests running beside it hold at the second count would be
/// counted too (tens of bytes per connection, as much as the bound leaves).
/// </summary>
[Collection(nameof(CorrelationStateSizeTests))]
public sealed class CorrelationStateSizeTests
{
    private const int Connections = 200_000;

    [Fact]
    public void An_open_one_sided_connection_costs_a_bounded_number_of_bytes()
    {
        var engine = new CorrelationEngine(new CorrelationOptions { MaxConnections = Connections, RecentEventIds = 0 }, new NullSink(), static _ => { });
        byte[] agent = engine.Interner.Intern("\"5bad1edd-2fa2-4793-81ce-e3ac668f5049\""u8);
        byte[] host = engine.Interner.Intern("\"web-01\""u8);
        byte[] name = engine.Interner.Intern("\"python3\""u8);
        byte[] args = engine.Interner.Intern("[\"/usr/bin/python3\",\"/srv/workers/worker.py\",\"--queue=q7\"]"u8);
        long start = 1_795_620_743_000_000_000;

        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < Connections; i++)
        {
            var e = new ObservedSocketEvent();
            e.Reset();
            e.Action = ObservedAction.Opened;
            e.IsSocketDataset = true;
            e.Timestamp = start + i * 1000L;
            e.Transport = ConnectionTransport.Tcp;
            e.Direction = ObservedDirection.Egress;
            e.HasCommunityKey = true;
            e.Key = new CommunityKey((ulong)i * 0x9E3779B97F4A7C15UL, (ulong)i, (uint)i, ConnectionTransport.Tcp);
            e.NetnsInode = 4026532246;
            e.Local = new EndpointAddress(0, 0x0A1E0000u + (uint)i, (ushort)(20000 + i % 40000), false);
            e.Remote = new EndpointAddress(0, 0xCB007101u, 8000, false);
            e.State = null;
            e.BytesAcked = 1;
            e.BytesReceived = 0;
            e.AgentId = agent;
            e.HostName = host;
            e.Pid = 4000 + i % 60;
            e.ProcessName = name;
            e.Args = args;
            engine.Process(ref e, SourcePosition.None, 0);
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(Connections, engine.Pending);

        double perConnection = (after - before) / (double)Connections;
        TestContext.Current.SendDiagnosticMessage($"{perConnection:F0} bytes per open one-sided connection");
        Assert.True(perConnection <= Bound, $"{perConnection:F0} bytes per open connection (bound {Bound})");
        GC.KeepAlive(engine);
    }

    /// <summary>
    /// 195 measured (274 with an entry and an end object per connection, 367 before corrperf), with a little room: see
    /// tests/benchmarks/README.md, "Correlate throughput".
    /// </summary>
    private const int Bound = 200;

    private sealed class NullSink : IConnectionSink
    {
        public void Write(in CorrelatedConnection connection)
        {
        }

        public void Flush()
        {
        }
    }
}

[CollectionDefinition(nameof(CorrelationStateSizeTests), DisableParallelization = true)]
public sealed class CorrelationStateSizeCollection;
