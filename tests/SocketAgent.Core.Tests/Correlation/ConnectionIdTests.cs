using System.Text.Json;
using SocketAgent.Correlation;
using static SocketAgent.Tests.Correlation.CorrelationHarness;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// <c>event.id</c> of a connection line: derived from what identifies the connection, so every line written for it —
/// by another member, after a crash, from a replay — carries the same one, and nothing else shares it.
/// </summary>
public sealed class ConnectionIdTests
{
    private static string Id(JsonElement line) => line.GetProperty("event").GetProperty("id").GetString()!;

    private static string IdOf(IEnumerable<string> lines)
    {
        var harness = new CorrelationHarness();
        harness.Feed(lines);
        return Id(Assert.Single(harness.Finish()));
    }

    [Fact]
    public void Every_line_written_for_a_connection_carries_the_same_version_5_id()
    {
        string all = IdOf([.. Client, .. Server]);
        // A member that took the partition over re-reads only from the committed offset: the closed events alone.
        string closedOnly = IdOf([.. Server.Where(IsConnectionClose), .. Client.Where(IsConnectionClose)]);
        string reversed = IdOf([.. Server.Reverse(), .. Client.Reverse()]);

        Assert.Equal(all, closedOnly);
        Assert.Equal(all, reversed);
        Guid id = Guid.Parse(all);
        Assert.Equal(5, id.Version);
        Assert.Equal(all, id.ToString()); // lower-case, hyphenated
        Assert.InRange(all[19], '8', 'b'); // RFC 9562 variant
    }

    [Fact]
    public void A_reused_five_tuple_later_is_a_different_id()
    {
        var harness = new CorrelationHarness();
        harness.Feed([.. Client, .. Server]);
        harness.Feed([.. Client.Select(l => Rewrite(l, TimeSpan.FromMinutes(5))), .. Server.Select(l => Rewrite(l, TimeSpan.FromMinutes(5)))]);
        List<JsonElement> lines = harness.Finish();
        Assert.Equal(2, lines.Count);
        Assert.NotEqual(Id(lines[0]), Id(lines[1]));
    }

    [Fact]
    public void The_id_depends_on_the_community_id_the_start_and_the_hosts_but_not_their_order()
    {
        Assert.True(CommunityKey.TryParse("1:vX3W/5Wg76yfbJD1IsS9ZIKTVRw="u8, ConnectionTransport.Tcp, out CommunityKey key));
        Assert.True(CommunityKey.TryParse(System.Text.Encoding.ASCII.GetBytes(CommunityId(7)), ConnectionTransport.Tcp, out CommunityKey other));
        CommunityKey udp = key with { Transport = ConnectionTransport.Udp };
        const long start = 1_764_084_742_666_355_500;
        Guid id = ConnectionId.Derive(key, start, "\"web-01\""u8, "\"db-01\""u8);

        Assert.Equal(id, ConnectionId.Derive(key, start, "\"db-01\""u8, "\"web-01\""u8));
        Assert.NotEqual(id, ConnectionId.Derive(key, start + 1, "\"web-01\""u8, "\"db-01\""u8));
        Assert.NotEqual(id, ConnectionId.Derive(other, start, "\"web-01\""u8, "\"db-01\""u8));
        Assert.NotEqual(id, ConnectionId.Derive(udp, start, "\"web-01\""u8, "\"db-01\""u8));
        Assert.NotEqual(id, ConnectionId.Derive(key, start, "\"web-02\""u8, "\"db-01\""u8));
        // The fields are length-prefixed: moving bytes from one host name to the other is another pair.
        Assert.NotEqual(id, ConnectionId.Derive(key, start, "\"web-01\"\"db"u8, "-01\""u8));
        // Host names longer than the stack buffer take the pooled path and still give a stable id.
        string longName = new('h', 2000);
        Assert.Equal(ConnectionId.Derive(key, start, System.Text.Encoding.ASCII.GetBytes(longName), "\"db-01\""u8),
            ConnectionId.Derive(key, start, "\"db-01\""u8, System.Text.Encoding.ASCII.GetBytes(longName)));
    }

    private static bool IsConnectionClose(string line) =>
        line.Contains("\"closed\"", StringComparison.Ordinal) && line.Contains("community_id", StringComparison.Ordinal);
}
