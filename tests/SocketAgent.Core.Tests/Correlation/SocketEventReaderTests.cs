using System.Text;
using SocketAgent.Correlation;
using static SocketAgent.Tests.Correlation.CorrelationHarness;

namespace SocketAgent.Tests.Correlation;

public sealed class SocketEventReaderTests
{
    [Fact]
    public void A_default_profile_line_without_zero_counters_reads_them_as_zero_and_its_ends_from_local_end()
    {
        // The default profile leaves a tcp_info counter out when it is zero (as ss -i does); no tcp_info at all is unknown.
        const string line = """{"@timestamp":"2026-12-06T08:00:00.000000000Z","event":{"dataset":"socket","action":"closed","kind":"event","category":["network"],"type":["connection","end"],"id":"01a24a3a-6458-7388-a47f-61797da80df4","sequence":9,"end":"2026-12-06T08:00:00.000000000Z"},"host":{"name":"h"},"agent":{"id":"a"},"network":{"transport":"tcp","type":"ipv4","direction":"ingress","community_id":"1:vX3W/5Wg76yfbJD1IsS9ZIKTVRw="},"source":{"ip":"10.216.7.2","port":36626},"destination":{"ip":"10.216.7.1","port":7407},"socket":{"state":"CLOSE","local_end":"destination","inode":0,"cookie":5,"tcp_info":{"rtt_us":40,"bytes_received":12,"snd_cwnd":10},"seen_open":true}}""";
        var e = new ObservedSocketEvent();

        Assert.Equal(SocketEventParseResult.Connection, SocketEventReader.Read(Encoding.UTF8.GetBytes(line), new Utf8Interner(4), ref e));
        Assert.Equal(0, e.BytesAcked);
        Assert.Equal(12, e.BytesReceived);
        Assert.Equal("10.216.7.1:7407", e.Local.ToString());
        Assert.Equal("10.216.7.2:36626", e.Remote.ToString());
    }

    [Fact]
    public void A_captured_closed_event_gives_every_field_the_join_needs()
    {
        string line = Client.Single(static l => l.Contains("\"closed\"", StringComparison.Ordinal));
        var interner = new Utf8Interner(16);
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Connection, SocketEventReader.Read(Encoding.UTF8.GetBytes(line), interner, ref e));
        Assert.Equal(ObservedAction.Closed, e.Action);
        Assert.Equal(Guid.Parse("01a21356-2add-7f95-9cfc-468e17c6a3aa"), e.EventId);
        Assert.Equal(Nanoseconds("2026-11-25T15:32:23.783224600Z"), e.Timestamp);
        Assert.Equal(Nanoseconds("2026-11-25T15:32:22.697616300Z"), e.Start);
        Assert.Equal(e.Timestamp, e.End);
        Assert.Equal(ConnectionTransport.Tcp, e.Transport);
        Assert.Equal(ObservedDirection.Egress, e.Direction);
        Assert.True(e.HasCommunityKey);
        Span<byte> id = stackalloc byte[40];
        Assert.Equal("1:vX3W/5Wg76yfbJD1IsS9ZIKTVRw=", Encoding.ASCII.GetString(id[..e.Key.Format(id)]));
        Assert.Equal("10.216.7.2:36626", e.Local.ToString());
        Assert.Equal("10.216.7.1:7407", e.Remote.ToString());
        Assert.Equal(3002, e.BytesAcked);
        Assert.Equal(70001, e.BytesReceived);
        Assert.Equal("\"host-client\"", Encoding.UTF8.GetString(e.HostName!));
        Assert.Equal($"\"{ClientAgent}\"", Encoding.UTF8.GetString(e.AgentId!));
        Assert.Equal("\"python3\"", Encoding.UTF8.GetString(e.ProcessName!));
        Assert.StartsWith("[\"/root/", Encoding.UTF8.GetString(e.Args!));
        Assert.Contains("\\n", Encoding.UTF8.GetString(e.CommandLine!)); // kept as the agent's escaped JSON text
        Assert.NotEqual(0UL, e.NetnsInode);

        // The same command line from another event is the same array: interned, not copied per event.
        var again = new ObservedSocketEvent();
        SocketEventReader.Read(Encoding.UTF8.GetBytes(Client[0]), interner, ref again);
        Assert.Same(e.CommandLine, again.CommandLine);
        Assert.Same(e.Args, again.Args);
    }

    [Fact]
    public void A_traced_closed_event_gives_each_end_the_exact_payload_it_sent_and_received()
    {
        // Captured from the eBPF source: a loopback exchange where the client sent 1,234 bytes and the server 4,321.
        // The line written for the server's socket and the one for the client's carry the same source/destination.
        string[] lines = Load("traced-loopback.jsonl");
        var interner = new Utf8Interner(16);
        var server = new ObservedSocketEvent();
        var client = new ObservedSocketEvent();
        SocketEventReader.Read(Encoding.UTF8.GetBytes(lines[0]), interner, ref server);
        SocketEventReader.Read(Encoding.UTF8.GetBytes(lines[1]), interner, ref client);
        Assert.Equal(47321, server.Local.Port);
        Assert.Equal((4321L, 1234L), (server.PayloadSent, server.PayloadReceived));
        Assert.Equal(34728, client.Local.Port);
        Assert.Equal((1234L, 4321L), (client.PayloadSent, client.PayloadReceived));
        Assert.Equal((-1L, -1L), (client.BytesAcked, client.BytesReceived)); // the tracer writes no tcp_info

        // A polled line (tcp_info, no source.bytes) leaves the exact payload unknown.
        var polled = new ObservedSocketEvent();
        SocketEventReader.Read(Encoding.UTF8.GetBytes(Client.Single(static l => l.Contains("\"closed\"", StringComparison.Ordinal))), interner, ref polled);
        Assert.Equal((-1L, -1L), (polled.PayloadSent, polled.PayloadReceived));
    }

    [Theory]
    [InlineData("{\"event\":{\"dataset\":\"route\",\"action\":\"added\"}}")]
    [InlineData("   ")]
    public void Other_lines_are_ignored(string line)
    {
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Ignored, SocketEventReader.Read(Encoding.UTF8.GetBytes(line), new Utf8Interner(4), ref e));
    }

    [Fact]
    public void Listeners_are_ignored_and_a_connection_without_an_agent_is_invalid()
    {
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Ignored, SocketEventReader.Read(Encoding.UTF8.GetBytes(Server[0]), new Utf8Interner(4), ref e));
        string noAgent = Rewrite(Client[0], TimeSpan.Zero, static n => n.Remove("agent"));
        Assert.Equal(SocketEventParseResult.Invalid, SocketEventReader.Read(Encoding.UTF8.GetBytes(noAgent), new Utf8Interner(4), ref e));
    }

    [Theory]
    [InlineData("2026-11-25T15:32:23.783224600Z", 1795620743783224600L)]
    [InlineData("2026-11-25T15:32:23Z", 1795620743000000000L)]
    [InlineData("2026-11-25T15:32:23.5Z", 1795620743500000000L)]
    [InlineData("2026-11-25T16:32:23.5+01:00", 1795620743500000000L)]
    public void Timestamps_parse_to_nanoseconds(string text, long expected)
    {
        Assert.True(EventTimestamp.TryParse(Encoding.ASCII.GetBytes(text), out long value));
        Assert.Equal(expected, value);
        Span<byte> buffer = stackalloc byte[40];
        Assert.True(EventTimestamp.TryParse(buffer[..EventTimestamp.Format(value, buffer)], out long back));
        Assert.Equal(value, back);
    }

    [Theory]
    [InlineData("2001:db8::10")]
    [InlineData("::1")]
    [InlineData("192.0.2.255")]
    public void Addresses_round_trip(string ip)
    {
        Assert.True(EndpointAddress.TryParseIp(Encoding.ASCII.GetBytes(ip), out ulong high, out ulong low, out bool v6));
        Assert.Equal(ip, new EndpointAddress(high, low, 1, v6).FormatIp());
    }

    [Fact]
    public void Escaped_ids_from_a_re_encoding_pipeline_still_join()
    {
        // A SIEM or a default System.Text.Json encoder writes + as \u002B; the key must be the same.
        var e = new ObservedSocketEvent();
        string plain = Client[0].Replace("1:vX3W/5Wg76yfbJD1IsS9ZIKTVRw=", "1:vX3W/5Wg76yfbJD1IsS9ZIK+VRw=", StringComparison.Ordinal);
        string escaped = plain.Replace("IK+VRw", "IK\\u002BVRw", StringComparison.Ordinal).Replace("\"id\":\"01a2", "\"id\":\"\\u00301a2", StringComparison.Ordinal);
        Assert.NotEqual(plain, escaped);
        Assert.Equal(SocketEventParseResult.Connection, SocketEventReader.Read(Encoding.UTF8.GetBytes(plain), new Utf8Interner(4), ref e));
        CommunityKey key = e.Key;
        Guid id = e.EventId;
        Assert.Equal(SocketEventParseResult.Connection, SocketEventReader.Read(Encoding.UTF8.GetBytes(escaped), new Utf8Interner(4), ref e));
        Assert.Equal(key, e.Key);
        Assert.Equal(id, e.EventId);
    }
}
