using System.Text;
using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

public class JsonLinesWriterTests
{
    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "json", name);

    [Theory]
    [InlineData("tcp-listener-v4.jsonl")]
    [InlineData("tcp-established-v6.jsonl")]
    [InlineData("multi-owner.jsonl")]
    [InlineData("unix.jsonl")]
    public void Output_MatchesGoldenFile(string fixture)
    {
        IReadOnlyList<SocketRecord> records = fixture switch
        {
            "tcp-listener-v4.jsonl" => [TestRecords.TcpListenerV4],
            "tcp-established-v6.jsonl" => [TestRecords.TcpEstablishedV6],
            "multi-owner.jsonl" => [TestRecords.MultiOwnerListener],
            "unix.jsonl" => [TestRecords.UnixPath, TestRecords.UnixAbstractListener, TestRecords.UnixUnboundConnected],
            _ => throw new ArgumentOutOfRangeException(nameof(fixture)),
        };

        byte[] actual = JsonLines.WriteBytes(TestRecords.Snapshot(records));
        SchemaValidator.AssertValidLines(actual);

        if (Environment.GetEnvironmentVariable("SOCKET_AGENT_UPDATE_GOLDEN") == "1")
        {
            // Regenerate after an intended format change, then review the diff: these files are the contract's examples.
            File.WriteAllBytes(Path.Combine(FindSourceFixtures(), fixture), actual);
        }

        Assert.Equal(File.ReadAllText(FixturePath(fixture)), Encoding.UTF8.GetString(actual));
    }

    private static string FindSourceFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SocketAgent.Core.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "Fixtures", "json");
            }
        }
        throw new DirectoryNotFoundException("tests/SocketAgent.Core.Tests not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void EveryKind_OneValidLinePerSocket()
    {
        string[] lines = JsonLines.Write(TestRecords.Snapshot(TestRecords.All));

        Assert.Equal(TestRecords.All.Count, lines.Length);
    }

    [Fact]
    public void EmptySnapshot_WritesNothing()
    {
        Assert.Empty(JsonLines.WriteBytes(TestRecords.Snapshot([])));
    }

    [Fact]
    public void ControlCharactersAndReplacementChars_AreEscapedOrKept()
    {
        var process = new ProcessInfo
        {
            Pid = 77,
            Name = "we\tird\n",
            Args = ["/bin/x", "new\nline", "tab\t", "nul\0", "esc\u001b[31m", "quote\"back\\slash", "bad\uFFFDutf8", "ünïcödé 😀", "del\u007f", "ls\u2028ps\u2029"],
            CommandLine = "x \"\n\"",
        };
        var owners = new SocketOwners(new Dictionary<ulong, ProcessInfo[]> { [3001] = [process] }, 1, 0);
        byte[] bytes = JsonLines.WriteBytes(TestRecords.Snapshot([TestRecords.UdpUnconnectedV4], owners));
        string[] lines = SchemaValidator.AssertValidLines(bytes);

        Assert.Single(lines);
        foreach (byte b in bytes.AsSpan(0, bytes.Length - 1))
        {
            Assert.True(b >= 0x20, $"raw control byte 0x{b:x2} in output");
        }
        using JsonDocument doc = JsonDocument.Parse(lines[0]);
        Assert.Equal(process.Args, doc.RootElement.Get("process.args").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(process.Name, doc.RootElement.Str("process.name"));
        // Non-ASCII text stays readable UTF-8 rather than \u escapes.
        Assert.Contains("ünïcödé", lines[0]);
        Assert.Contains("bad\uFFFDutf8", lines[0]);
    }

    [Fact]
    public void LoneSurrogates_DoNotThrowAndStayValidJson()
    {
        var process = new ProcessInfo { Pid = 78, Name = "x\uD800", Args = ["\uDC00tail", "head\uD83D", "\uD83D\uDE00ok"], CommandLine = "\uDFFF" };
        var owners = new SocketOwners(new Dictionary<ulong, ProcessInfo[]> { [5001] = [process] }, 1, 0);
        var record = new SocketRecord
        {
            Transport = Transport.Unix,
            Family = System.Net.Sockets.AddressFamily.Unix,
            UnixType = UnixSocketType.Stream,
            UnixPath = "@abs\uD800\0name",
            Inode = 5001,
        };

        string[] lines = JsonLines.Write(TestRecords.Snapshot([record], owners));

        using JsonDocument doc = JsonDocument.Parse(lines[0]);
        Assert.Equal("\uD83D\uDE00ok", doc.RootElement.Get("process.args")[2].GetString());
    }

    [Fact]
    public void LargeSnapshot_BuffersAndWritesEveryLine()
    {
        var records = new List<SocketRecord>();
        for (int i = 0; i < 2000; i++)
        {
            records.Add(TestRecords.All[i % TestRecords.All.Count]);
        }
        var stream = new CountingStream();
        using (var writer = new JsonLinesWriter(stream))
        {
            writer.WriteSnapshot(TestRecords.Snapshot(records));
            Assert.True(stream.Writes > 1, "expected the buffer to be drained while writing");
            Assert.True(stream.Writes < 200, $"expected large writes, got {stream.Writes}");
            writer.Flush();
        }

        Assert.Equal(2000, SchemaValidator.AssertValidLines(stream.ToArray()).Length);
    }

    [Fact]
    public void Dispose_FlushesButLeavesStreamOpen()
    {
        var stream = new MemoryStream();
        var writer = new JsonLinesWriter(stream);
        writer.WriteSnapshot(TestRecords.Snapshot([TestRecords.TcpListenerV4]));
        Assert.Equal(0, stream.Length); // buffered until Flush/Dispose

        writer.Dispose();
        writer.Dispose();

        Assert.True(stream.CanWrite);
        Assert.Single(SchemaValidator.AssertValidLines(stream.ToArray()));
        Assert.Throws<ObjectDisposedException>(() => writer.WriteSnapshot(TestRecords.Snapshot([TestRecords.TcpListenerV4])));
    }

    [Fact]
    public void SeveralSnapshots_AppendLines()
    {
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream))
        {
            writer.WriteSnapshot(TestRecords.Snapshot([TestRecords.TcpListenerV4, TestRecords.UnixPath]));
            writer.WriteSnapshot(TestRecords.Snapshot([TestRecords.RawIcmpV6]), "snapshot");
            writer.Flush();
        }

        Assert.Equal(3, SchemaValidator.AssertValidLines(stream.ToArray()).Length);
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }
    }
}
