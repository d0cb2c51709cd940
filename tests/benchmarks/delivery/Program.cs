// Delivery throughput: the JSON encoder alone (events/s, bytes allocated per event), each stage of the delivery path
// on its own, then encoder → durable spool → delivery loop → Kafka output into a 3-broker librdkafka mock cluster,
// end to end. The mock cluster runs in this process (test.mock.num.brokers=3); --mock-process runs it in a child
// process instead (this program with --mock-cluster, which prints its bootstrap servers and lives until stdin
// closes), and --bootstrap HOST:PORT,... uses brokers that are already there.
// The Kafka stage (5) and the end-to-end pass (6) then run in three rounds, paired, and each round prints
// "e2e/stage ratio: X.XX" (end to end ÷ spool read + kafka → acknowledged, both events/s of that round), so drift in
// what else the machine runs hits both alike; absolute rates move from machine to machine, the ratio much less.
// Run: dotnet run -c Release --project tests/benchmarks/delivery -- 200000 [--e2e-only] [--mock-process | --bootstrap B]
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Delivery;
using SocketAgent.Delivery.Kafka;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;
using SocketAgent.Spool;

if (args.Contains("--mock-cluster"))
{
    using var cluster = new SocketAgent.Tests.Delivery.Kafka.InProcessMockKafkaCluster(3);
    Console.WriteLine(cluster.BootstrapServers);
    Console.Out.Flush();
    while (Console.In.Read() >= 0) { }
    return;
}

int n = args.Length > 0 && int.TryParse(args[0], out int count) ? count : 200_000;
int bootstrapAt = Array.IndexOf(args, "--bootstrap");
string? bootstrap = bootstrapAt >= 0 && bootstrapAt + 1 < args.Length ? args[bootstrapAt + 1] : null;
using Process? mockProcess = args.Contains("--mock-process") ? StartMockProcess() : null;
if (mockProcess is not null)
{
    bootstrap = mockProcess.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the mock cluster process printed no bootstrap servers");
    Console.WriteLine($"mock cluster in process {mockProcess.Id}: {bootstrap}");
}
bool endToEndOnly = args.Contains("--e2e-only");
const int BatchEvents = 5000;

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
// Event ids as the daemon makes them: one string per event, made before the encoder sees it.
string[] ids = Enumerable.Range(0, 1000).Select(i => Guid.CreateVersion7().ToString()).ToArray();
EventStamp Stamp(int i) => new(ids[i % 1000], i + 1);

void Report(string stage, Measure m, int events) =>
    Console.WriteLine($"{stage,-34} {events / m.Seconds,12:N0} events/s   {events / m.CpuSeconds,12:N0} events per CPU-second   {m.AllocatedBytes / (double)events,8:N1} B/event allocated");

// 1. The encoder alone: JSON lines into a sink that drops them.
if (!endToEndOnly)
{
    var sink = new CountingSink();
    using var writer = new JsonLinesWriter(sink, null, null);
    for (int w = 0; w < 20_000; w++) writer.WriteEvent(events[w % 1000], Stamp(w), agent, host);
    writer.Flush();
    var m = Measure.Start();
    for (int i = 0; i < n; i++) writer.WriteEvent(events[i % 1000], Stamp(i), agent, host);
    writer.Flush();
    Report("encoder alone", m.Stop(), n);
}

// 2. Encoder → the routing metadata each line carries (sequence, dataset, Community ID), read by a sink that drops
// the line: what routing costs now that no output parses a line back (it used to read each line with a JSON reader).
if (!endToEndOnly)
{
    var sink = new CountingSink { ReadRouting = true };
    using var writer = new JsonLinesWriter(sink, null, null);
    for (int w = 0; w < 20_000; w++) writer.WriteEvent(events[w % 1000], Stamp(w), agent, host);
    writer.Flush();
    var m = Measure.Start();
    for (int i = 0; i < n; i++) writer.WriteEvent(events[i % 1000], Stamp(i), agent, host);
    writer.Flush();
    Report("encoder + routing", m.Stop(), n);
}

// 3. Encoder → router → spool append, fsync per batch; no delivery. (--e2e-only skips stages 1–5.)
string stageDir = Directory.CreateTempSubdirectory("e2ebench-stage-").FullName;
DurableSpool? stageSpool = null;
if (!endToEndOnly)
{
    var spool = stageSpool = DurableSpool.Open(stageDir, new SpoolOptions { MaxBytes = 4L << 30 });
    var m = Measure.Start();
    using (var writer = new JsonLinesWriter(new SpoolLineSink(spool), null, null))
    {
        for (int i = 0; i < n; i++)
        {
            writer.WriteEvent(events[i % 1000], Stamp(i), agent, host);
            if (i % BatchEvents == BatchEvents - 1) { writer.Flush(); spool.EndBatch(); }
        }
        writer.Flush();
        spool.EndBatch();
    }
    Report("encoder + spool append", m.Stop(), n);

    // 4. Reading the spool back as the delivery loop does (the records are dropped: they die young, as in the loop).
    m = Measure.Start();
    long cursor = 0;
    int read = 0;
    IReadOnlyList<DeliveryRecord> batch;
    while ((batch = spool.Read(cursor, 10_000, 4 << 20)).Count > 0)
    {
        read += batch.Count;
        cursor = batch[^1].Sequence;
    }
    Report("spool read", m.Stop(), read);
}

// 6. End to end: encoder → spool → delivery loop → Kafka output → mock cluster, until the watermark reaches the last event.
// A first, shorter pass warms up the JIT (the agent ships as native AOT: no tiering there) and librdkafka.
// The machine is shared: each round is reported, the best is the one least disturbed; the ratio pairs the two
// measurements of one round.
await EndToEnd(Math.Max(n / 4, 10_000), report: false);
const int Rounds = 3;
var ratios = new List<double>();
for (int round = 1; round <= Rounds; round++)
{
    Console.WriteLine($"round {round}:");
    double? stageRate = stageSpool is null ? null : KafkaStage(stageSpool);
    double endToEndRate = await EndToEnd(n, report: true);
    if (stageRate is double stage)
    {
        ratios.Add(endToEndRate / stage);
        Console.WriteLine($"  e2e/stage ratio: {endToEndRate / stage:N2}");
    }
}
if (ratios.Count > 0)
{
    ratios.Sort();
    Console.WriteLine($"e2e/stage ratio: {ratios[ratios.Count / 2]:N2} (median of {ratios.Count} rounds; {ratios[0]:N2}–{ratios[^1]:N2})");
}

if (stageSpool is not null)
{
    // The watermark the delivery loop hands the spool (segments deleted, a file written, fsynced and renamed, the
    // directory fsynced): at most once a second while the loop is behind, at once when it catches up.
    var ack = Stopwatch.StartNew();
    const int Acks = 20;
    for (int i = 1; i <= Acks; i++) stageSpool.Acknowledge(i * 1000L);
    Console.WriteLine($"spool acknowledge (watermark save)   {ack.Elapsed.TotalMilliseconds / Acks,8:N2} ms per call");
    stageSpool.Dispose();
}
Directory.Delete(stageDir, true);

// 5. Spool read → Kafka output: produce every record of the stage spool as fast as the bounded queue takes them, wait
// for every acknowledgement; returns events/s. No delivery loop, no watermark: the rate end to end is judged against.
double KafkaStage(DurableSpool spool)
{
    var kafka = KafkaOptions(bootstrap);
    long persisted = 0;
    Measure measured;
    int produced = 0;
    using (var output = new KafkaOutput(kafka, agent.Id, (_, outcome, _) => { if (outcome == DeliveryOutcome.Persisted) Interlocked.Increment(ref persisted); }))
    {
        // Warm up: metadata, connections, idempotent producer id.
        output.Produce(spool.Read(0, 1, 1 << 20)[0]);
        output.Flush(TimeSpan.FromSeconds(10));
        var m = Measure.Start();
        long cursor = 1;
        IReadOnlyList<DeliveryRecord> batch;
        while ((batch = spool.Read(cursor, 10_000, 4 << 20)).Count > 0)
        {
            foreach (DeliveryRecord record in batch)
            {
                while (!output.Produce(record)) output.Flush(TimeSpan.FromMilliseconds(10));
            }
            produced += batch.Count;
            cursor = batch[^1].Sequence;
        }
        output.Flush(TimeSpan.FromSeconds(60));
        measured = m.Stop();
        Report("spool read + kafka → acknowledged", measured, produced);
    }
    Console.WriteLine($"  ({Interlocked.Read(ref persisted):N0} persisted)");
    return produced / measured.Seconds;
}

async Task<double> EndToEnd(int total, bool report)
{
    string dir = Directory.CreateTempSubdirectory("e2ebench-").FullName;
    using var spool = DurableSpool.Open(dir, new SpoolOptions { MaxBytes = 4L << 30 });
    var kafka = KafkaOptions(bootstrap);
    using var loop = new DeliveryLoop(spool, cb => new KafkaOutput(kafka, agent.Id, cb), new DeliveryLoopOptions());
    using var stop = new CancellationTokenSource();
    var m = Measure.Start();
    Task run = Task.Run(() => loop.RunAsync(stop.Token));
    using (var writer = new JsonLinesWriter(new SpoolLineSink(spool), null, null))
    {
        for (int i = 0; i < total; i++)
        {
            writer.WriteEvent(events[i % 1000], Stamp(i), agent, host);
            if (i % BatchEvents == BatchEvents - 1) { writer.Flush(); spool.EndBatch(); }
        }
        writer.Flush();
        spool.EndBatch();
    }
    double encodeSeconds = m.Elapsed;
    var deadline = Stopwatch.StartNew();
    while (spool.Watermark < total && deadline.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(2);
    Measure measured = m.Stop();
    stop.Cancel();
    await run;
    if (report)
    {
        Report("end to end", measured, total);
        Console.WriteLine($"  {total:N0} events in {measured.Seconds:N2} s (encode+spool {encodeSeconds:N2} s); watermark {spool.Watermark}; {loop.Metrics}");
    }
    Directory.Delete(dir, true);
    return total / measured.Seconds;
}

if (mockProcess is not null)
{
    Console.WriteLine($"  (mock cluster process: {mockProcess.TotalProcessorTime.TotalSeconds:N2} CPU-s in all, not counted above)");
    mockProcess.StandardInput.Close();
    mockProcess.WaitForExit();
}

static Process StartMockProcess()
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
    {
        start.ArgumentList.Add(typeof(Measure).Assembly.Location);
    }
    start.ArgumentList.Add("--mock-cluster");
    return Process.Start(start)!;
}

static KafkaOutputOptions KafkaOptions(string? bootstrap)
{
    var kafka = new KafkaOutputOptions { BootstrapServers = bootstrap ?? "mock", Topic = "bench-" + Guid.NewGuid().ToString("N")[..8], Compression = "lz4" };
    if (bootstrap is null)
    {
        kafka.Properties["test.mock.num.brokers"] = "3";
    }
    // BENCH_KAFKA="compression.type=zstd,batch.size=4000000": librdkafka properties to compare.
    foreach (string pair in (Environment.GetEnvironmentVariable("BENCH_KAFKA") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        string[] kv = pair.Split('=', 2);
        if (kv[0] == "compression.type") kafka.Compression = kv[1]; else kafka.Properties[kv[0]] = kv[1];
    }
    return kafka;
}

/// <summary>Wall time, CPU time of the whole process (agent, librdkafka and an in-process mock cluster), and the process's allocations.</summary>
internal readonly record struct Measure(double Seconds, double CpuSeconds, long AllocatedBytes)
{
    private static readonly Stopwatch s_clock = Stopwatch.StartNew();

    public static Running Start() => new(s_clock.Elapsed.TotalSeconds, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true));

    internal readonly record struct Running(double Wall, double Cpu, long Allocated)
    {
        public double Elapsed => s_clock.Elapsed.TotalSeconds - Wall;

        public Measure Stop() => new(
            s_clock.Elapsed.TotalSeconds - Wall,
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - Cpu,
            GC.GetTotalAllocatedBytes(precise: true) - Allocated);
    }
}

/// <summary>Drops each line; with <see cref="ReadRouting"/> it reads the metadata a remote output routes by.</summary>
internal sealed class CountingSink : IEncodedLineSink
{
    public bool ReadRouting { get; init; }
    public long Sum { get; private set; }

    public void Write(in EncodedLine line)
    {
        Sum += ReadRouting ? line.Sequence + line.Dataset.Length + line.CommunityId.Length : line.Json.Length;
    }

    public void Flush()
    {
    }
}
