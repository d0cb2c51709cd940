// Delivery throughput: the JSON encoder alone (events/s, bytes allocated per event), then encoder → durable spool →
// delivery loop → Kafka output into a 3-broker librdkafka mock cluster (test.mock.num.brokers=3), end to end.
// Run: dotnet run -c Release --project tests/benchmarks/delivery -- 200000
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Output.Json;
using SocketAgent.Spool;

int n = args.Length > 0 ? int.Parse(args[0]) : 200_000;
var host = new HostIdentity("bench", "0123456789abcdef0123456789abcdef");
var agent = new AgentIdentity(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), "0.1.0", null);
var owner = new ProcessInfo { Pid = 4242, Name = "nginx", Args = ["nginx", "-g", "daemon off;"], CommandLine = "nginx -g 'daemon off;'", Uid = 33, UserName = "www-data" };
SocketEvent Make(int i) => new()
{
    Action = SocketEventAction.Opened,
    Timestamp = DateTimeOffset.UtcNow,
    Owners = [owner],
    Socket = new SocketRecord
    {
        Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, State = KernelSocketState.Established,
        LocalAddress = IPAddress.Parse("10.0.0.1"), LocalPort = 443, RemoteAddress = IPAddress.Parse("10.0.1.2"), RemotePort = 1024 + (i % 60000),
        Inode = (ulong)i + 1000, Cookie = (ulong)i + 5000, Uid = 33,
        TcpInfo = new TcpInfo { RttMicros = 120, BytesAcked = 1000, BytesReceived = 2000, SegsIn = 10, SegsOut = 12, SndCwnd = 10 },
    },
};
SocketEvent[] events = Enumerable.Range(0, 1000).Select(Make).ToArray();

// Encoder alone
{
    using var sink = new EventLineRouter([], null);
    using var writer = new SocketJsonLinesWriter(sink);
    for (int w = 0; w < 20_000; w++) writer.WriteEvent(events[w % 1000], new EventStamp("id", w + 1), agent, host);
    writer.Flush();
    long before = GC.GetAllocatedBytesForCurrentThread();
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < n; i++) writer.WriteEvent(events[i % 1000], new EventStamp("0193-abcd-ef", i + 1), agent, host);
    writer.Flush();
    sw.Stop();
    long alloc = GC.GetAllocatedBytesForCurrentThread() - before;
    Console.WriteLine($"encoder alone: {n / sw.Elapsed.TotalSeconds:N0} events/s, {alloc / (double)n:N0} B allocated per event");
}

// Encoder → spool → delivery loop → 3-broker mock cluster
string dir = Directory.CreateTempSubdirectory("e2ebench-").FullName;
using var spool = DurableSpool.Open(dir, new SpoolOptions { MaxBytes = 4L << 30 });
var kafka = new KafkaOutputOptions { BootstrapServers = "mock", Topic = "bench", Compression = "lz4" };
kafka.Properties["test.mock.num.brokers"] = "3";
using var loop = new DeliveryLoop(spool, cb => new KafkaOutput(kafka, agent.Id, cb), new DeliveryLoopOptions());
using var stop = new CancellationTokenSource();
var total = Stopwatch.StartNew();
Task run = Task.Run(() => loop.RunAsync(stop.Token));
using (var router = new EventLineRouter([], r => spool.TryAppend(r)))
using (var writer = new SocketJsonLinesWriter(router))
{
    for (int i = 0; i < n; i++)
    {
        writer.WriteEvent(events[i % 1000], new EventStamp("0193-abcd-ef", i + 1), agent, host);
        if (i % 5000 == 4999) { writer.Flush(); spool.EndBatch(); }
    }
    writer.Flush();
    spool.EndBatch();
}
double encodeSeconds = total.Elapsed.TotalSeconds;
while (spool.Watermark < n && total.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(10);
total.Stop();
stop.Cancel();
await run;
Console.WriteLine($"end to end: {n:N0} events in {total.Elapsed.TotalSeconds:N2} s = {n / total.Elapsed.TotalSeconds:N0} events/s (encode+spool {encodeSeconds:N2} s); watermark {spool.Watermark}; {loop.Metrics}");
Directory.Delete(dir, true);
