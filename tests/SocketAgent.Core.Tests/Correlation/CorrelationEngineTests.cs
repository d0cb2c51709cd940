using System.Text.Json;
using System.Text.Json.Nodes;
using SocketAgent.Correlation;
using static SocketAgent.Tests.Correlation.CorrelationHarness;

namespace SocketAgent.Tests.Correlation;

/// <summary>The join on real captured events: pairing, roles, bytes, times; duplicates, disorder, one-sided waits, bounds.</summary>
public sealed class CorrelationEngineTests
{
    private static void AssertTheCapturedConnection(JsonElement line)
    {
        Assert.Equal(2, line.GetProperty("correlation").GetProperty("sides").GetInt32());
        Assert.Equal("closed", line.GetProperty("correlation").GetProperty("state").GetString());
        Assert.Equal("tcp", line.GetProperty("network").GetProperty("transport").GetString());
        Assert.Equal("1:vX3W/5Wg76yfbJD1IsS9ZIKTVRw=", line.GetProperty("network").GetProperty("community_id").GetString());

        JsonElement client = line.GetProperty("client"), server = line.GetProperty("server");
        Assert.Equal("host-client", client.GetProperty("host").GetProperty("name").GetString());
        Assert.Equal(ClientAgent, client.GetProperty("agent").GetProperty("id").GetString());
        Assert.Equal("10.216.7.2", client.GetProperty("ip").GetString());
        Assert.Equal(36626, client.GetProperty("port").GetInt32());
        Assert.Equal(3000, client.GetProperty("bytes").GetInt64());
        Assert.EndsWith("report-client --fetch=invoices", client.GetProperty("process").GetProperty("command_line").GetString());
        Assert.Equal("report-client", client.GetProperty("process").GetProperty("args")[3].GetString());
        Assert.Equal("python3", client.GetProperty("process").GetProperty("name").GetString());

        Assert.Equal("host-server", server.GetProperty("host").GetProperty("name").GetString());
        Assert.Equal(ServerAgent, server.GetProperty("agent").GetProperty("id").GetString());
        Assert.Equal("10.216.7.1", server.GetProperty("ip").GetString());
        Assert.Equal(7407, server.GetProperty("port").GetInt32());
        Assert.Equal(70000, server.GetProperty("bytes").GetInt64());
        Assert.EndsWith("billing-server --port=7407", server.GetProperty("process").GetProperty("command_line").GetString());

        // Opened: the earlier end's first sight (the server's opened event); closed: the later destroy.
        JsonElement evt = line.GetProperty("event");
        Assert.Equal("2026-11-25T15:32:22.666355500Z", evt.GetProperty("start").GetString());
        Assert.Equal("2026-11-25T15:32:23.783366300Z", evt.GetProperty("end").GetString());
        Assert.Equal(1_117_010_800, evt.GetProperty("duration").GetInt64());
    }

    [Fact]
    public void The_two_captured_ends_join_into_one_line_naming_both_processes_with_bytes_each_way()
    {
        var harness = new CorrelationHarness();
        harness.Feed(Client);
        Assert.Empty(harness.Lines()); // the client closed, but the wait for the server has not passed
        harness.Feed(Server);
        List<JsonElement> lines = harness.Lines(); // both closed: out at once, not at the end
        AssertTheCapturedConnection(Assert.Single(lines));
        Assert.Empty(harness.Finish().Skip(1));
        Assert.Equal(0, harness.Engine.Counters.Invalid);
        Assert.Equal(2, harness.Engine.Counters.Ignored); // the listener's opened and closed
    }

    [Fact]
    public void Each_side_carries_its_container_pod_and_unit_as_its_agent_wrote_them_and_the_map_names_services_by_them()
    {
        const string Container = """{"id":"5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592","runtime":"containerd","name":"web","image":{"name":"registry.local:5000/shop/web","tag":["1.4"]}}""";
        const string Orchestrator = """{"type":"kubernetes","namespace":"shop","resource":{"type":"pod","id":"0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b","name":"web-7d9f"}}""";
        const string Kubernetes = """{"pod":{"name":"web-7d9f","uid":"0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b","qos_class":"burstable"},"namespace":"shop","node":{"name":"node-1"},"labels":{"app":"web"}}""";
        const string Systemd = """{"unit":"billing.service","slice":"system.slice"}""";
        var harness = new CorrelationHarness();
        harness.Feed(Client.Select(l => Rewrite(l, TimeSpan.Zero, node =>
        {
            node["container"] = JsonNode.Parse(Container);
            node["orchestrator"] = JsonNode.Parse(Orchestrator);
            node["kubernetes"] = JsonNode.Parse(Kubernetes);
        })));
        harness.Feed(Server.Select(l => Rewrite(l, TimeSpan.Zero, node => node["systemd"] = JsonNode.Parse(Systemd))));

        JsonElement line = Assert.Single(harness.Finish(), static l => l.GetProperty("client").GetProperty("port").GetInt32() == 36626);
        JsonElement client = line.GetProperty("client"), server = line.GetProperty("server");
        Assert.Equal(Container, client.GetProperty("container").GetRawText());
        Assert.Equal(Orchestrator, client.GetProperty("orchestrator").GetRawText());
        Assert.Equal(Kubernetes, client.GetProperty("kubernetes").GetRawText());
        Assert.False(client.TryGetProperty("systemd", out _));
        Assert.Equal(Systemd, server.GetProperty("systemd").GetRawText());
        Assert.False(server.TryGetProperty("container", out _));
        Assert.Equal("python3", client.GetProperty("process").GetProperty("name").GetString());

        // What `socket-agent map` makes of the line: the pod on one side, the unit on the other.
        Assert.True(SocketAgent.Correlation.Map.ConnectionLineParser.TryParse(line.GetRawText(), out var parsed, out string? error), error);
        Assert.Equal("shop/web-7d9f", parsed.Client.Pod);
        Assert.Equal("billing.service", parsed.Server.Unit);
    }

    [Fact]
    public void Duplicated_input_gives_the_same_single_line()
    {
        var harness = new CorrelationHarness();
        string[] all = [.. Client, .. Server];
        harness.Feed(all.SelectMany(static l => new[] { l, l }));
        harness.Feed(all); // the whole input again, after the connection was written
        AssertTheCapturedConnection(Assert.Single(harness.Finish()));
        Assert.Equal(6 * 2, harness.Engine.Counters.DuplicateEvents);
    }

    [Fact]
    public void Redelivery_past_the_event_id_window_is_still_not_written_twice()
    {
        var harness = new CorrelationHarness(new CorrelationOptions { RecentEventIds = 0 });
        string[] all = [.. Client, .. Server];
        harness.Feed(all);
        harness.Feed(all);
        AssertTheCapturedConnection(Assert.Single(harness.Finish()));
        Assert.Equal(6, harness.Engine.Counters.LateEvents);
    }

    [Fact]
    public void Any_arrival_order_gives_the_same_line()
    {
        string[] all = [.. Client, .. Server];
        string? expected = null;
        var random = new Random(7);
        for (int round = 0; round < 20; round++)
        {
            string[] order = round == 0 ? [.. all.Reverse()] : [.. all.OrderBy(_ => random.Next())];
            var harness = new CorrelationHarness();
            harness.Feed(order);
            JsonElement line = Assert.Single(harness.Finish());
            AssertTheCapturedConnection(line);
            expected ??= line.GetRawText();
            Assert.Equal(expected, line.GetRawText());
        }
    }

    [Fact]
    public void A_closed_event_alone_from_each_end_is_enough()
    {
        var harness = new CorrelationHarness();
        harness.Feed([Server.Single(IsConnectionClose), Client.Single(IsConnectionClose)]);
        JsonElement line = Assert.Single(harness.Finish());
        Assert.Equal(2, line.GetProperty("correlation").GetProperty("sides").GetInt32());
        Assert.Equal(3000, line.GetProperty("client").GetProperty("bytes").GetInt64());
        Assert.Equal(70000, line.GetProperty("server").GetProperty("bytes").GetInt64());
        // Without an ingress event the lower port is taken as the server.
        Assert.Equal(7407, line.GetProperty("server").GetProperty("port").GetInt32());
    }

    [Fact]
    public void The_far_end_arriving_within_the_wait_still_joins()
    {
        var harness = new CorrelationHarness(new CorrelationOptions { Wait = TimeSpan.FromSeconds(30) });
        harness.Feed(Client);
        // 20 s of the client's later traffic (another connection) moves event time, but not past the wait.
        harness.Feed([Rewrite(Client[0], TimeSpan.FromSeconds(20), n => OtherConnection(n, 40001, CommunityId(1)))]);
        Assert.Empty(harness.Lines());
        harness.Feed(Server);
        AssertTheCapturedConnection(Assert.Single(harness.Lines()));
    }

    [Fact]
    public void After_the_wait_the_client_end_is_written_one_sided_and_the_late_server_end_is_dropped()
    {
        var harness = new CorrelationHarness(new CorrelationOptions { Wait = TimeSpan.FromSeconds(30) });
        harness.Feed(Client);
        harness.Feed([Rewrite(Client[0], TimeSpan.FromSeconds(32), n => OtherConnection(n, 40001, CommunityId(1)))]);
        JsonElement line = Assert.Single(harness.Lines());
        Assert.Equal(1, line.GetProperty("correlation").GetProperty("sides").GetInt32());
        JsonElement server = line.GetProperty("server");
        Assert.Equal("10.216.7.1", server.GetProperty("ip").GetString());
        Assert.Equal(7407, server.GetProperty("port").GetInt32());
        Assert.False(server.TryGetProperty("process", out _)); // not monitored: address only
        Assert.False(server.TryGetProperty("agent", out _));
        Assert.Equal(3000, line.GetProperty("client").GetProperty("bytes").GetInt64()); // from bytes_acked, less SYN and FIN
        Assert.Equal(70000, line.GetProperty("server").GetProperty("bytes").GetInt64()); // the client's bytes_received, less the FIN

        harness.Feed(Server); // much later: the same connection, already written
        List<JsonElement> all = harness.Finish();
        Assert.Equal(2, all.Count); // the one-sided line, and the other connection flushed at the end — nothing for the late server
        Assert.Equal(3, harness.Engine.Counters.LateEvents);
        Assert.Equal(1, all[1].GetProperty("correlation").GetProperty("sides").GetInt32());
        Assert.Equal("open", all[1].GetProperty("correlation").GetProperty("state").GetString());
    }

    [Fact]
    public void A_server_end_alone_is_written_as_the_server()
    {
        var harness = new CorrelationHarness();
        harness.Feed(Server);
        JsonElement line = Assert.Single(harness.Finish());
        Assert.Equal(1, line.GetProperty("correlation").GetProperty("sides").GetInt32());
        Assert.Equal("host-server", line.GetProperty("server").GetProperty("host").GetProperty("name").GetString());
        Assert.Equal(36626, line.GetProperty("client").GetProperty("port").GetInt32());
        Assert.Equal(3000, line.GetProperty("client").GetProperty("bytes").GetInt64());
        Assert.Equal(70000, line.GetProperty("server").GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void A_reused_five_tuple_later_is_a_second_connection()
    {
        var harness = new CorrelationHarness();
        harness.Feed([.. Client, .. Server]);
        TimeSpan later = TimeSpan.FromMinutes(5);
        harness.Feed([.. Client.Select(l => Rewrite(l, later)), .. Server.Select(l => Rewrite(l, later))]);
        List<JsonElement> lines = harness.Finish();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, static l => Assert.Equal(2, l.GetProperty("correlation").GetProperty("sides").GetInt32()));
        Assert.Equal("2026-11-25T15:37:23.783366300Z", lines[1].GetProperty("event").GetProperty("end").GetString());
    }

    [Fact]
    public void Ends_seen_by_the_same_agent_in_the_same_namespace_are_not_paired()
    {
        // The server's events as if the client's agent, in the client's namespace, had reported them: two one-sided lines.
        var same = new CorrelationHarness();
        long clientNetns = JsonNode.Parse(Client[0])!["netns"]!["inode"]!.GetValue<long>();
        same.Feed(Client);
        same.Feed(Server.Select(l => Rewrite(l, TimeSpan.Zero, n =>
        {
            n["agent"]!["id"] = ClientAgent;
            n["netns"]!["inode"] = clientNetns;
        })));
        Assert.Equal(2, same.Finish().Count(static l => l.GetProperty("correlation").GetProperty("sides").GetInt32() == 1));
    }

    [Fact]
    public void Mirrored_addresses_are_required_not_just_the_community_id()
    {
        var harness = new CorrelationHarness();
        harness.Feed(Client);
        harness.Feed(Server.Select(l => Rewrite(l, TimeSpan.Zero, static n =>
        {
            if (RemoteEnd(n) is JsonObject remote && remote["port"]!.GetValue<int>() == 36626)
            {
                remote["port"] = 36627; // same id, but not this connection's far end
            }
        })));
        Assert.Equal(2, harness.Finish().Count(static l => l.GetProperty("correlation").GetProperty("sides").GetInt32() == 1));
    }

    [Fact]
    public void Idle_open_connections_expire_and_the_cap_evicts_counted()
    {
        var options = new CorrelationOptions { IdleTimeout = TimeSpan.FromMinutes(10), MaxConnections = 50 };
        var harness = new CorrelationHarness(options);
        string opened = Client.First(static l => l.Contains("\"opened\"", StringComparison.Ordinal));
        for (int i = 0; i < 200; i++)
        {
            harness.Feed([Rewrite(opened, TimeSpan.FromSeconds(i), n => OtherConnection(n, 20000 + i, CommunityId(i)))]);
            Assert.True(harness.Engine.Pending <= 50);
        }
        Assert.Equal(150, harness.Engine.Counters.Evicted);
        Assert.Contains(harness.Log, static l => l.Contains("evicting", StringComparison.Ordinal));
        Assert.Empty(harness.Lines()); // open connections are dropped, not written

        harness.Feed([Rewrite(opened, TimeSpan.FromMinutes(30), n => OtherConnection(n, 30000, CommunityId(999)))]);
        harness.Engine.Poll(0);
        Assert.Equal(1, harness.Engine.Pending); // the newest stays; it pushed one out, the other 49 idled out
        Assert.Equal(151, harness.Engine.Counters.Evicted);
        Assert.Equal(49, harness.Engine.Counters.Expired);
    }

    [Fact]
    public void Bad_lines_are_counted_not_fatal()
    {
        var harness = new CorrelationHarness();
        harness.Feed(["{not json", "[1,2]", "{\"a\":1} {\"b\":2}", Client[0][..100], "", .. Client, .. Server, "\u0000\u0001"]);
        AssertTheCapturedConnection(Assert.Single(harness.Finish()));
        Assert.Equal(5, harness.Engine.Counters.Invalid);
    }

    [Fact]
    public void Offsets_are_committable_only_past_connections_written()
    {
        var offsets = new OffsetTracker();
        var harness = new CorrelationHarness(offsets: offsets);
        var partition = new Confluent.Kafka.TopicPartition("t", 0);
        offsets.Assigned(partition);
        int index = offsets.IndexOf(partition);
        long offset = 100;
        foreach (string line in Client)
        {
            harness.Engine.ProcessLine(System.Text.Encoding.UTF8.GetBytes(line), new SourcePosition(index, offset++), 0);
        }
        // The client closed (offset 102) and waits for the server: a restart must read its closed event again. Its
        // opened and state_changed events (100, 101) are not held: the closed event carries what they said.
        Assert.Equal(102, Assert.Single(offsets.CommittableOffsets()).Offset.Value);
        foreach (string line in Server)
        {
            harness.Engine.ProcessLine(System.Text.Encoding.UTF8.GetBytes(line), new SourcePosition(index, offset++), 0);
        }
        Assert.Single(harness.Lines());
        Assert.Equal(offset, Assert.Single(offsets.CommittableOffsets()).Offset.Value); // all out: past the last message
        Assert.Equal(-1, offsets.SmallestReferenced(partition));
    }

    private static bool IsConnectionClose(string line) =>
        line.Contains("\"closed\"", StringComparison.Ordinal) && line.Contains("community_id", StringComparison.Ordinal);
}
