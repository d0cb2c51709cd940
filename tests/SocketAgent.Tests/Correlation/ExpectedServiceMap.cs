using System.Text.Json;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// What the recorded fleet (Fixtures/Map/fleet-connections.jsonl) must give: three hosts — web-01 (the
/// shop-frontend container and a curl health check), api-01 (orders-api.service, a systemd unit) and db-01 (postgres
/// and the redis cache) — and a DNS server no agent watches. The chain web → api → db plus the cache, 24 connections
/// in 25 lines (one line repeated with its event.id, as after a correlate restart).
/// </summary>
internal static class ExpectedServiceMap
{
    public sealed record Service(string Host, string Title, string Detail);

    public sealed record Edge(Service Client, Service Server, int Connections, string[] Ports, bool HasBytes);

    public static readonly Service Frontend = new("web-01", "shop-frontend", "container");
    public static readonly Service Curl = new("web-01", "curl", "process");
    public static readonly Service OrdersApi = new("api-01", "orders-api.service", "systemd unit");
    public static readonly Service Postgres = new("db-01", "postgres", ":5432");
    public static readonly Service Redis = new("db-01", "redis-server", ":6379");
    public static readonly Service Dns = new("10.20.0.2 (not monitored)", "port 53", "process not seen");

    public static readonly Service[] Services = [Frontend, Curl, OrdersApi, Postgres, Redis, Dns];

    public static readonly Edge[] Edges =
    [
        new(Frontend, OrdersApi, 6, ["8080/tcp", "9090/tcp"], true),
        new(Curl, OrdersApi, 2, ["8080/tcp"], true),
        new(OrdersApi, Postgres, 5, ["5432/tcp"], true),
        new(OrdersApi, Redis, 8, ["6379/tcp"], true),
        new(OrdersApi, Dns, 3, ["53/udp"], false),
    ];

    public static readonly string[] Hosts = ["api-01", "db-01", "web-01", "10.20.0.2 (not monitored)"];

    /// <summary>The fixture's bytes client→server and server→client of the connections to these server ports, each connection once.</summary>
    public static (long ToServer, long ToClient) Bytes(string clientTitle, IReadOnlyCollection<int> serverPorts)
    {
        long toServer = 0, toClient = 0;
        var seen = new HashSet<string>();
        foreach (string text in File.ReadLines(MapCli.Fixture))
        {
            JsonElement line = JsonDocument.Parse(text).RootElement;
            JsonElement client = line.GetProperty("client"), server = line.GetProperty("server");
            string owner = client.TryGetProperty("container", out JsonElement c) ? c.GetProperty("name").GetString()! : client.GetProperty("process").GetProperty("name").GetString()!;
            if (serverPorts.Contains(server.GetProperty("port").GetInt32()) && owner == clientTitle && seen.Add(line.GetProperty("event").GetProperty("id").GetString()!))
            {
                toServer += client.GetProperty("bytes").GetInt64();
                toClient += server.GetProperty("bytes").GetInt64();
            }
        }
        return (toServer, toClient);
    }
}
