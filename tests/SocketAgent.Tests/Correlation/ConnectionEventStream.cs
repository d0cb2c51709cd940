using System.Globalization;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// Synthetic two-sided TCP connections as two agents report them: for connection <c>i</c>, the client's and the
/// server's closed event (each carries the start, the owner and the counters, which is all the join needs), with a
/// community id of its own. Shaped like the captured fixture's closed lines, without the fields the join skips.
/// </summary>
internal static class ConnectionEventStream
{
    public const string ClientAgent = "5bad1edd-2fa2-4793-81ce-e3ac668f5049";
    public const string ServerAgent = "d1377882-d5f5-4b7c-ba2c-123a60cf28c5";

    /// <summary>A community id unique to connection <paramref name="i"/> of a run tagged <paramref name="run"/>.</summary>
    public static string CommunityId(int run, int i)
    {
        byte[] hash = new byte[20];
        BitConverter.TryWriteBytes(hash, i);
        BitConverter.TryWriteBytes(hash.AsSpan(4), run);
        hash[19] = 0x5A;
        return "1:" + Convert.ToBase64String(hash);
    }

    public static string Client(int run, int i, DateTime start) => Line(run, i, start, client: true);

    public static string Server(int run, int i, DateTime start) => Line(run, i, start, client: false);

    private static string Line(int run, int i, DateTime start, bool client)
    {
        int clientPort = 10_000 + (i % 50_000);
        DateTime opened = start.AddMilliseconds(i);
        DateTime closed = opened.AddMilliseconds(client ? 900 : 901);
        string local = client ? $"{{\"ip\":\"10.216.7.2\",\"port\":{clientPort}}}" : "{\"ip\":\"10.216.7.1\",\"port\":7407}";
        string remote = client ? "{\"ip\":\"10.216.7.1\",\"port\":7407}" : $"{{\"ip\":\"10.216.7.2\",\"port\":{clientPort}}}";
        string host = client ? "host-client" : "host-server";
        string agent = client ? ClientAgent : ServerAgent;
        string netns = client ? "4026532246" : "4026532177";
        string counters = client
            ? "\"bytes_sent\":3000,\"bytes_acked\":3002,\"bytes_received\":70001"
            : "\"bytes_sent\":70000,\"bytes_acked\":70001,\"bytes_received\":3001";
        string process = client ? "{\"pid\":567,\"name\":\"report-client\"}" : "{\"pid\":503,\"name\":\"billing-server\"}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"@timestamp\":\"{Time(closed)}\",\"event\":{{\"dataset\":\"socket\",\"action\":\"closed\",\"kind\":\"event\","
            + $"\"id\":\"{Guid.NewGuid()}\",\"start\":\"{Time(opened)}\",\"end\":\"{Time(closed)}\"}},"
            + $"\"host\":{{\"name\":\"{host}\"}},\"agent\":{{\"id\":\"{agent}\"}},"
            + $"\"network\":{{\"transport\":\"tcp\",\"type\":\"ipv4\",\"direction\":\"egress\",\"community_id\":\"{CommunityId(run, i)}\"}},"
            + $"\"netns\":{{\"inode\":{netns}}},\"source\":{local},\"destination\":{remote},"
            + $"\"socket\":{{\"state\":\"CLOSE\",\"local_end\":\"source\",\"tcp_info\":{{{counters}}},\"seen_open\":true}},"
            + $"\"process\":{process}}}");
    }

    private static string Time(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
