// Produces the correlate benchmark's event files (tests/benchmarks/correlate/Program.cs writes them) to a Kafka topic
// as fast as the cluster takes them, keyed by network.community_id — the key the agents' Kafka output gives the flow
// topic (KafkaOutput: FlowTopic), so both ends of a connection land in one partition. The files are merged by
// @timestamp, as two live agents would produce them: a member reads each partition in time order, and its event-time
// watermark is not pushed ahead of one agent's events by the other agent's.
// Prints one line: "produced N events, first UNIX_MS, last UNIX_MS, cpu SECONDS" (last = when the final delivery
// report arrived, i.e. every event is on the broker).
//
//   dotnet SocketAgent.CorrelateProducer.dll BOOTSTRAP TOPIC FILE...
//
// FOLLOW=OUT1:OUT2:... MAX_AHEAD=N EVENTS_PER_LINE=R: paced by the consumers. librdkafka's mock cluster keeps only the
// last 5 MB of each partition (older message sets are deleted as new ones come: a consumer behind by more silently
// misses them — seen as the first 18 % of each partition of a 36 MB topic never read), so the events cannot all be put
// on the topic first. Instead the producer stays at most N events ahead of what the members have written: the lines
// in their output files times R, the events per connection line of the input. The members are then never short of
// events (N of backlog) and the mock never deletes one they have not read.

using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: SocketAgent.CorrelateProducer BOOTSTRAP TOPIC FILE...");
    return 2;
}
string topic = args[1];
var config = new ProducerConfig
{
    BootstrapServers = args[0],
    LingerMs = 5,
    QueueBufferingMaxMessages = 200_000,
};
long failed = 0;
string? firstError = null;
using IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(config).Build();
void Delivered(DeliveryReport<byte[], byte[]> report)
{
    if (report.Error.IsError && Interlocked.Increment(ref failed) == 1)
    {
        firstError = report.Error.Reason;
    }
}

StreamReader[] readers = args[2..].Select(static p => new StreamReader(p, Encoding.UTF8, false, 1 << 20)).ToArray();
string?[] heads = readers.Select(static r => r.ReadLine()).ToArray();
byte[] marker = "\"community_id\":\""u8.ToArray();
string[] follow = Environment.GetEnvironmentVariable("FOLLOW") is { Length: > 0 } f ? f.Split(':') : [];
long maxAhead = long.Parse(Environment.GetEnvironmentVariable("MAX_AHEAD") ?? "20000");
double eventsPerLine = double.Parse(Environment.GetEnvironmentVariable("EVENTS_PER_LINE") ?? "5.4", System.Globalization.CultureInfo.InvariantCulture);
long[] seenBytes = new long[follow.Length];
long linesWritten = 0;
byte[] chunk = new byte[1 << 16];
long LinesWritten()
{
    for (int i = 0; i < follow.Length; i++)
    {
        using var stream = new FileStream(follow[i], FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Position = seenBytes[i];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            linesWritten += chunk.AsSpan(0, n).Count((byte)'\n');
            seenBytes[i] += n;
        }
    }
    return linesWritten;
}
long produced = 0;
long first = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
while (true)
{
    // The earliest head line: every line starts with {"@timestamp":"…" in one fixed-width format, so the strings order as the times.
    int next = -1;
    for (int i = 0; i < heads.Length; i++)
    {
        if (heads[i] is string h && (next < 0 || string.CompareOrdinal(h, 0, heads[next], 0, 45) < 0))
        {
            next = i;
        }
    }
    if (next < 0)
    {
        break;
    }
    byte[] value = Encoding.UTF8.GetBytes(heads[next]!);
    heads[next] = readers[next].ReadLine();
    int at = value.AsSpan().IndexOf(marker);
    byte[]? key = null;
    if (at >= 0)
    {
        int start = at + marker.Length;
        int end = value.AsSpan(start).IndexOf((byte)'"');
        key = value.AsSpan(start, end).ToArray();
    }
    var message = new Message<byte[], byte[]> { Key = key!, Value = value };
    while (true)
    {
        try
        {
            producer.Produce(topic, message, Delivered);
            break;
        }
        catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            producer.Poll(TimeSpan.FromMilliseconds(10)); // the broker is behind: wait for delivery reports
        }
    }
    produced++;
    if (follow.Length > 0 && produced % 500 == 0)
    {
        while (produced - (long)(LinesWritten() * eventsPerLine) > maxAhead)
        {
            producer.Poll(TimeSpan.FromMilliseconds(5));
        }
    }
}
producer.Flush(Timeout.InfiniteTimeSpan);
long last = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
if (failed > 0)
{
    Console.Error.WriteLine($"{failed} events not delivered: {firstError}");
    return 1;
}
Console.WriteLine($"produced {produced} events, first {first}, last {last}, cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1}");
return 0;
