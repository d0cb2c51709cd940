// The mock cluster host: argument = broker count. Prints "bootstrap HOST:PORT,..." then answers each command line on
// stdin with "ok" or "error MESSAGE"; destroys the cluster and exits when stdin ends (the test process closed it or
// died). Commands: "topic NAME PARTITIONS RF", "down", "up", "rtt BROKER MS", "errors APIKEY CODE...",
// "share-groups read_committed".
using System.Globalization;
using SocketAgent.Tests.Delivery.Kafka;

int brokers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
using var cluster = new InProcessMockKafkaCluster(brokers);
Console.Out.WriteLine("bootstrap " + cluster.BootstrapServers);
Console.Out.Flush();
while (Console.In.ReadLine() is string line)
{
    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    try
    {
        switch (words)
        {
            case ["topic", string name, string partitions, string rf]:
                cluster.CreateTopic(name, Int(partitions), Int(rf));
                break;
            case ["down"]:
                cluster.SetAllBrokersDown();
                break;
            case ["up"]:
                cluster.SetAllBrokersUp();
                break;
            case ["rtt", string broker, string ms]:
                cluster.SetRtt(Int(broker), Int(ms));
                break;
            case ["errors", string apiKey, .. string[] codes]:
                cluster.PushRequestErrors(short.Parse(apiKey, CultureInfo.InvariantCulture), codes.Select(Int).ToArray());
                break;
            case ["share-groups", "read_committed"]:
                cluster.EnableReadCommittedShareGroups();
                break;
            default:
                throw new ArgumentException($"unknown command: {line}");
        }
        Console.Out.WriteLine("ok");
    }
    catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
    {
        Console.Out.WriteLine("error " + e.Message.ReplaceLineEndings(" "));
    }
    Console.Out.Flush();
}

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
