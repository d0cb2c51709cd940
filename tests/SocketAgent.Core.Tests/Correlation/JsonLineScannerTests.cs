using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocketAgent.Correlation;
using static SocketAgent.Tests.Correlation.CorrelationHarness;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// The reader's scanner on captured daemon lines (the correlation fixtures): what it reads is what a full JSON parse
/// reads, and a malformed line — cut short, corrupted, badly nested — is Invalid, never an exception.
/// </summary>
public sealed class JsonLineScannerTests
{
    public static TheoryData<string> Fixtures() => ["client.jsonl", "server.jsonl", "traced-loopback.jsonl"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_captured_line_reads_the_same_compact_and_indented(string fixture)
    {
        foreach (string line in Load(fixture))
        {
            string indented = JsonNode.Parse(line)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            var compact = new ObservedSocketEvent();
            var spaced = new ObservedSocketEvent();
            SocketEventParseResult expected = SocketEventReader.Read(Encoding.UTF8.GetBytes(line), new Utf8Interner(16), ref compact);
            Assert.NotEqual(SocketEventParseResult.Invalid, expected);
            Assert.Equal(expected, SocketEventReader.Read(Encoding.UTF8.GetBytes(indented), new Utf8Interner(16), ref spaced));
            Assert.Equal(Describe(compact, withArgs: false), Describe(spaced, withArgs: false));
            Assert.True(JsonNode.DeepEquals(Node(compact.Args), Node(spaced.Args))); // argv is kept as written: only its spacing differs
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_prefix_of_a_captured_line_is_invalid(string fixture)
    {
        byte[] line = Encoding.UTF8.GetBytes(Load(fixture)[0]);
        var e = new ObservedSocketEvent();
        for (int length = 1; length < line.Length; length++)
        {
            Assert.Equal(SocketEventParseResult.Invalid, SocketEventReader.Read(line.AsSpan(0, length), new Utf8Interner(16), ref e));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_corrupted_byte_anywhere_never_throws_and_a_structural_one_is_invalid(string fixture)
    {
        byte[] original = Encoding.UTF8.GetBytes(Load(fixture)[^1]);
        var e = new ObservedSocketEvent();
        foreach (byte bad in "}]{[\"\\\u0001x,:"u8)
        {
            for (int i = 0; i < original.Length; i++)
            {
                byte[] line = (byte[])original.Clone();
                line[i] = bad;
                SocketEventParseResult result = SocketEventReader.Read(line, new Utf8Interner(16), ref e);
                if (!IsValidJson(line))
                {
                    // What a full parser rejects, the scanner rejects, except a separator missing or doubled between
                    // the tokens of a member it skips (a quote can split a string in two): documented on JsonLineScanner.
                    Assert.True(result == SocketEventParseResult.Invalid || bad is (byte)',' or (byte)':' or (byte)'"',
                        $"{fixture}: '{(char)bad}' at {i} read as {result}");
                }
            }
        }
    }

    [Theory]
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z","user":{"id":"0"]}""")] // brackets that do not match
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z","user":{"id":"0}}""")] // a string that never ends
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z","user":{"id":"\x"}}""")] // an escape JSON does not have
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z","user":{"id":"\u12"}}""")]
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z","user":{"id":@}}""")] // a byte no JSON token starts with
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z","user":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}""")] // 17 levels
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z"} {}""")] // a second value on the line
    [InlineData("""{"@timestamp":"2026-11-25T15:32:22Z",}""")]
    [InlineData("""{"@timestamp" "2026-11-25T15:32:22Z"}""")]
    [InlineData("""{"event":{"action":01}}""")] // a number a member is read as is checked as JSON writes it
    [InlineData("""{"event":{"action":tru}}""")]
    [InlineData("""["not an object"]""")]
    [InlineData("""{"a":1}}""")]
    public void Malformed_lines_are_invalid(string line)
    {
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Invalid, SocketEventReader.Read(Encoding.UTF8.GetBytes(line), new Utf8Interner(4), ref e));
    }

    [Fact]
    public void A_raw_control_byte_in_a_skipped_string_is_invalid()
    {
        byte[] line = Encoding.UTF8.GetBytes("""{"user":{"name":"ro ot"}}""");
        line[Array.IndexOf(line, (byte)' ')] = 0x01;
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Invalid, SocketEventReader.Read(line, new Utf8Interner(4), ref e));
    }

    [Fact]
    public void Fifteen_levels_inside_a_skipped_member_are_fine()
    {
        string line = """{"user":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]],"event":{"dataset":"route"}}""";
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Ignored, SocketEventReader.Read(Encoding.UTF8.GetBytes(line), new Utf8Interner(4), ref e));
    }

    [Fact]
    public void Escaped_member_names_and_values_are_read_unescaped()
    {
        string line = Client[0];
        string escaped = line.Replace("\"agent\":", "\"\\u0061gent\":", StringComparison.Ordinal)
            .Replace("\"action\":\"opened\"", "\"action\":\"op\\u0065ned\"", StringComparison.Ordinal)
            .Replace("\"transport\":\"tcp\"", "\"transport\":\"\\u0074cp\"", StringComparison.Ordinal);
        Assert.NotEqual(line, escaped);
        var plain = new ObservedSocketEvent();
        var e = new ObservedSocketEvent();
        Assert.Equal(SocketEventParseResult.Connection, SocketEventReader.Read(Encoding.UTF8.GetBytes(line), new Utf8Interner(4), ref plain));
        Assert.Equal(SocketEventParseResult.Connection, SocketEventReader.Read(Encoding.UTF8.GetBytes(escaped), new Utf8Interner(4), ref e));
        Assert.Equal(Describe(plain), Describe(e));
    }

    private static bool IsValidJson(byte[] line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonNode? Node(byte[]? utf8) => utf8 is null ? null : JsonNode.Parse(utf8);

    private static string Describe(ObservedSocketEvent e, bool withArgs = true) => string.Join('|',
        e.Action, e.IsSocketDataset, e.EventId, e.Timestamp, e.Start, e.End, e.Transport, e.Direction, e.HasCommunityKey, e.Key, e.NetnsInode,
        e.Local, e.Remote, Text(e.State), e.BytesAcked, e.BytesReceived, e.PayloadSent, e.PayloadReceived, Text(e.HostName), Text(e.AgentId),
        e.Pid, Text(e.ProcessName), Text(e.CommandLine), withArgs ? Text(e.Args) : "");

    private static string Text(byte[]? utf8) => utf8 is null ? "null" : Encoding.UTF8.GetString(utf8);
}
