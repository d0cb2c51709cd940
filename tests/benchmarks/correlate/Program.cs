// Writes two agents' event files for the correlate benchmark: every line is a captured daemon event (the
// two-namespace fixture in tests/SocketAgent.Core.Tests/Fixtures/correlation) with its identity changed — ports,
// a real Community ID v1, times, event ids and sequences, byte counters, one of many processes — so line sizes and
// field layout are the daemon's own. 80 % of the connections are seen by both agents (server and client), 20 % only
// by the client agent (a server nobody monitors). The templates are --fields full lines; what is written is the
// default profile (Default below), the daemon's usual line.
//
//   dotnet run -c Release --project tests/benchmarks/correlate -- OUT_DIR [EVENTS=1000000] [CONCURRENT=2000]

using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

string outDir = args.Length > 0 ? args[0] : "artifacts/benchmark/correlate";
long targetEvents = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
int concurrent = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
Directory.CreateDirectory(outDir);

string templates = Path.Combine(AppContext.BaseDirectory, "templates");
JsonObject[] Load(string name) => File.ReadAllLines(Path.Combine(templates, name))
    .Select(static l => Default(JsonNode.Parse(l)!.AsObject()))
    .Where(static n => n["network"]?["community_id"] is not null).ToArray();
JsonObject[] clientTemplates = Load("client.jsonl"); // opened, state_changed (CLOSE_WAIT), closed
JsonObject[] serverTemplates = Load("server.jsonl"); // opened, state_changed (FIN_WAIT2), closed

var random = new Random(42);
string[] services = ["billing", "orders", "inventory", "auth", "search"];
string[] clientCommands = Enumerable.Range(0, 60)
    .Select(i => $"/usr/bin/python3 /srv/workers/worker.py --queue=q{i % 12} --service={services[i % services.Length]} --id={i}").ToArray();
string[] serverCommands = services.Select(static s => $"/usr/local/bin/{s}-server --listen=0.0.0.0 --config=/etc/{s}.yaml").ToArray();

var clientEvents = new List<(long Time, string Line)>();
var serverEvents = new List<(long Time, string Line)>();
long start = DateTimeOffset.Parse("2026-11-25T08:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;
const long Ms = 1_000_000;
long events = 0;
int connection = 0;
long meanDurationMs = 4000;
long spacing = meanDurationMs * Ms / concurrent; // Little's law: this many open at once
while (events < targetEvents)
{
    connection++;
    bool twoSided = random.Next(10) < 8;
    int service = random.Next(services.Length);
    int port = 8000 + service;
    int clientPort = 20000 + connection % 40000;
    string serverIp = twoSided ? "10.20.0.10" : $"203.0.113.{1 + service}";
    string clientIp = $"10.30.{(connection >> 8) % 200}.{connection & 0xFF}";
    string communityId = CommunityId(clientIp, clientPort, serverIp, port);
    long open = start + connection * spacing + random.Next(0, 50) * Ms;
    long close = open + random.Next(100, (int)meanDurationMs * 2) * Ms;
    long up = random.Next(100, 100_000), down = random.Next(100, 1_000_000);
    int clientCommand = random.Next(clientCommands.Length);
    // client: opened (SYN acked), CLOSE_WAIT (got the server's FIN), closed
    Add(clientEvents, clientTemplates, "web", clientIp, clientPort, serverIp, port, communityId, open + 3 * Ms, close - 40 * Ms, close, open,
        [(1, 0), (up + 1, down + 1), (up + 2, down + 1)], 4000 + clientCommand, clientCommands[clientCommand]);
    events += 3;
    if (twoSided)
    {
        Add(serverEvents, serverTemplates, "db", serverIp, port, clientIp, clientPort, communityId, open + 1 * Ms, close - 41 * Ms, close + 1 * Ms, open,
            [(0, 0), (down + 1, up), (down + 1, up + 1)], 900 + service, serverCommands[service]);
        events += 3;
    }
}

Write(Path.Combine(outDir, "client-agent.jsonl"), clientEvents);
Write(Path.Combine(outDir, "server-agent.jsonl"), serverEvents);
Console.WriteLine($"{events} events, {connection} connections ({clientEvents.Count} client-agent lines, {serverEvents.Count} server-agent lines) in {outDir}");

void Add(List<(long, string)> sink, JsonObject[] template, string agent, string localIp, int localPort, string remoteIp, int remotePort,
    string communityId, long opened, long changed, long closed, long connectionStart, (long Acked, long Received)[] bytes, int pid, string command)
{
    long[] times = [opened, changed, closed];
    for (int i = 0; i < 3; i++)
    {
        JsonObject e = template[i];
        e["@timestamp"] = Text(times[i]);
        JsonObject evt = e["event"]!.AsObject();
        evt["id"] = Guid.CreateVersion7().ToString();
        evt["sequence"] = sink.Count + 1;
        if (evt["start"] is not null)
        {
            evt["start"] = Text(connectionStart);
            evt["end"] = Text(times[i]);
            evt["duration"] = times[i] - connectionStart;
        }
        e["host"]!["name"] = $"{agent}-01";
        e["agent"]!["id"] = agent == "web" ? "5bad1edd-2fa2-4793-81ce-e3ac668f5049" : "d1377882-d5f5-4b7c-ba2c-123a60cf28c5";
        e["network"]!["community_id"] = communityId;
        JsonObject socket = e["socket"]!.AsObject();
        // The ends are source and destination; socket.local_end (kept from the template) says which is this agent's.
        foreach (string role in new[] { "source", "destination" })
        {
            if (e[role] is JsonObject endpoint)
            {
                bool local = endpoint["port"]!.GetValue<int>() is 7407 ? agent == "db" : agent == "web";
                endpoint["ip"] = local ? localIp : remoteIp;
                endpoint["port"] = local ? localPort : remotePort;
            }
        }
        JsonObject tcpInfo = socket["tcp_info"]!.AsObject();
        tcpInfo.Remove("bytes_acked");
        tcpInfo.Remove("bytes_received");
        if (bytes[i].Acked != 0)
        {
            tcpInfo["bytes_acked"] = bytes[i].Acked; // the default profile leaves out a zero counter
        }
        if (bytes[i].Received != 0)
        {
            tcpInfo["bytes_received"] = bytes[i].Received;
        }
        JsonObject process = e["process"]!.AsObject();
        process["pid"] = pid;
        string[] argv = command.Split(' ');
        process["args"] = new JsonArray(argv.Select(static a => (JsonNode)JsonValue.Create(a)!).ToArray());
        process["name"] = Path.GetFileName(argv[0]);
        sink.Add((times[i], e.ToJsonString(s_json)));
    }
}

// A --fields full line as the default profile writes it: no command_line, args_count, process.start, iana_number
// (tcp/udp), state_code; queues only when not empty; tcp_info only rtt, retransmissions, bytes, cwnd, delivery rate,
// and those counters only when not zero.
static JsonObject Default(JsonObject line)
{
    line["network"]?.AsObject().Remove("iana_number");
    if (line["process"] is JsonObject process)
    {
        process.Remove("command_line");
        process.Remove("args_count");
        process.Remove("start");
    }
    if (line["socket"] is JsonObject socket)
    {
        socket.Remove("state_code");
        foreach (string queue in new[] { "recv_q", "send_q" })
        {
            if (socket[queue]?.GetValue<long>() == 0)
            {
                socket.Remove(queue);
            }
        }
        if (socket["tcp_info"] is JsonObject tcpInfo)
        {
            var kept = new JsonObject();
            foreach (string name in new[] { "rtt_us", "total_retrans", "bytes_acked", "bytes_received", "snd_cwnd", "delivery_rate" })
            {
                if (tcpInfo[name] is JsonNode value && (name is "rtt_us" or "snd_cwnd" || value.GetValue<long>() != 0))
                {
                    kept[name] = value.DeepClone();
                }
            }
            socket["tcp_info"] = kept;
        }
    }
    return line;
}

static void Write(string path, List<(long Time, string Line)> lines)
{
    lines.Sort(static (a, b) => a.Time.CompareTo(b.Time));
    using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
    foreach ((_, string line) in lines)
    {
        writer.Write(line);
        writer.Write('\n');
    }
}

static string Text(long nanoseconds) =>
    new DateTime(DateTime.UnixEpoch.Ticks + nanoseconds / 100, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)
    + "." + (nanoseconds % 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture) + "Z";

// Community ID v1 (seed 0) of a TCP flow: SHA-1 over seed, the ordered addresses, protocol, pad and ports.
static string CommunityId(string ipA, int portA, string ipB, int portB)
{
    byte[] a = IPAddress.Parse(ipA).GetAddressBytes(), b = IPAddress.Parse(ipB).GetAddressBytes();
    bool swap = a.AsSpan().SequenceCompareTo(b) > 0 || (a.AsSpan().SequenceEqual(b) && portA > portB);
    if (swap)
    {
        (a, b, portA, portB) = (b, a, portB, portA);
    }
    var data = new byte[2 + a.Length + b.Length + 2 + 4];
    int at = 2;
    a.CopyTo(data, at);
    at += a.Length;
    b.CopyTo(data, at);
    at += b.Length;
    data[at++] = 6;
    data[at++] = 0;
    BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at), (ushort)portA);
    BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at + 2), (ushort)portB);
    return "1:" + Convert.ToBase64String(SHA1.HashData(data));
}

internal static partial class Program
{
    // As the daemon writes: no \u002B for the + of a Community ID, no \u0027 for quotes in command lines.
    internal static readonly System.Text.Json.JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
