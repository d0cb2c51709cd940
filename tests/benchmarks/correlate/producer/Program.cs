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
// FOLLOW=OUT1:OUT2:... MAX_AHEAD=N: paced by the consumers. librdkafka's mock cluster keeps only the last 5 MB of
// each partition (older message sets are deleted as new ones come, read or not: a consumer behind by more silently
// skips them — seen as the first 18 % of each partition of a 36 MB topic never read, and as a run in which one
// partition fell 13 MB behind the others and lost 2,208 connections), so the events cannot all be put on the topic
// first. Instead the producer keeps, per partition, at most N events that are not yet in a written connection line
// (it knows which events each community id had and reads the community ids of the lines in the members' output
// files): the members are never short of events, and the mock never deletes one they have not read.

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: SocketAgent.CorrelateProducer BOOTSTRAP TOPIC FILE...");
    return 2;
}
string topic = args[1];
byte[] marker = "\"community_id\":\""u8.ToArray();
var config = new ProducerConfig
{
    BootstrapServers = args[0],
    LingerMs = 5,
    QueueBufferingMaxMessages = 200_000,
};
long failed = 0;
var partitionOf = new Dictionary<string, int>(); // community id -> partition (from the delivery reports)
long[] backlog = new long[6]; // per partition: events delivered and not yet part of a written line
string? firstError = null;
using IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(config).Build();
void Delivered(DeliveryReport<byte[], byte[]> report)
{
    if (report.Error.IsError && Interlocked.Increment(ref failed) == 1)
    {
        firstError = report.Error.Reason;
    }
    else if (!report.Error.IsError)
    {
        lock (partitionOf)
        {
            int partition = report.Partition.Value;
            partitionOf[Encoding.UTF8.GetString(report.Message.Key)] = partition;
            if (partition >= backlog.Length)
            {
                Array.Resize(ref backlog, partition + 1);
            }
            backlog[partition]++;
        }
    }
}

StreamReader[] readers = args[2..].Select(static p => new StreamReader(p, Encoding.UTF8, false, 1 << 20)).ToArray();
string?[] heads = readers.Select(static r => r.ReadLine()).ToArray();
string[] follow = Environment.GetEnvironmentVariable("FOLLOW") is { Length: > 0 } f ? f.Split(':') : [];
long maxAhead = long.Parse(Environment.GetEnvironmentVariable("MAX_AHEAD") ?? "3500");
var eventsOf = new Dictionary<string, int>(); // community id -> events produced
var unresolved = new HashSet<string>();
long[] seenBytes = new long[follow.Length];
var partial = new List<byte>[follow.Length];
byte[] chunk = new byte[1 << 16];
void ReadLines()
{
    for (int i = 0; i < follow.Length; i++)
    {
        using var stream = new FileStream(follow[i], FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Position = seenBytes[i];
        partial[i] ??= [];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            seenBytes[i] += n;
            var data = chunk.AsSpan(0, n);
            int newline;
            while ((newline = data.IndexOf((byte)'\n')) >= 0)
            {
                partial[i].AddRange(data[..newline]);
                Written(CollectionsMarshal.AsSpan(partial[i]));
                partial[i].Clear();
                data = data[(newline + 1)..];
            }
            partial[i].AddRange(data);
        }
    }
}
void Written(ReadOnlySpan<byte> line)
{
    int at = line.IndexOf(marker);
    if (at < 0)
    {
        return;
    }
    ReadOnlySpan<byte> rest = line[(at + marker.Length)..];
    string id = Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)'"')]);
    lock (partitionOf)
    {
        Account(id);
    }
}
// A line can be read before the delivery report of its connection's last event (reports arrive on librdkafka's
// thread): it is accounted for when the report is in.
void Account(string id)
{
    if (partitionOf.TryGetValue(id, out int partition) && eventsOf.Remove(id, out int count))
    {
        backlog[partition] -= count;
        unresolved.Remove(id);
    }
    else
    {
        unresolved.Add(id);
    }
}
bool Ahead()
{
    lock (partitionOf)
    {
        foreach (string id in unresolved.ToArray())
        {
            Account(id);
        }
        return backlog.Any(b => b > maxAhead);
    }
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
        if (follow.Length > 0)
        {
            string id = Encoding.UTF8.GetString(key);
            lock (partitionOf)
            {
                eventsOf[id] = eventsOf.GetValueOrDefault(id) + 1;
            }
        }
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
    if (follow.Length > 0 && produced % 100 == 0)
    {
        ReadLines();
        while (Ahead())
        {
            producer.Poll(TimeSpan.FromMilliseconds(5));
            ReadLines();
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
