using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Procfs;

public class ProcfsSocketSourceTests
{
    private static ProcfsSocketSource FixtureSource() => new(new ProcNetPaths(ProcfsFixtures.Directory));

    [Fact]
    public void Name_IsProcfs() => Assert.Equal("procfs", new ProcfsSocketSource().Name);

    [Fact]
    public void Paths_AreUnderTheConfiguredDirectory()
    {
        ProcNetPaths defaults = new();
        Assert.Equal("/proc/net/tcp6", defaults.Tcp6);
        Assert.Equal("/proc/net/unix", defaults.Unix);
        Assert.Equal("/proc/42/net/raw6", ProcNetPaths.ForProcess(42).Raw6);
    }

    [Fact]
    public void Collect_AllFixtureTables()
    {
        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<SocketRecord> records = FixtureSource().Collect(SocketQuery.All, diagnostics);

        Assert.Equal(8 + 5 + 2 + 1 + 1 + 1 + 10, records.Count);
        Assert.Empty(diagnostics.Warnings);
        Assert.Empty(diagnostics.Counters);
    }

    [Fact]
    public void Collect_HonoursTransportsFamiliesAndListening()
    {
        var diagnostics = new CollectionDiagnostics();

        IReadOnlyList<SocketRecord> v4 = FixtureSource().Collect(SocketQuery.All with { Families = IpFamilySet.IPv4 }, diagnostics);
        Assert.Equal(8 + 2 + 1 + 10, v4.Count); // tcp, udp, raw, and unix (families do not apply to it)

        IReadOnlyList<SocketRecord> tcpListen = FixtureSource().Collect(
            SocketQuery.All with { Transports = TransportSet.Tcp, ListeningOnly = true }, diagnostics);
        Assert.Equal([1061UL, 11846UL, 11852UL, 11855UL], tcpListen.Select(r => r.Inode));

        IReadOnlyList<SocketRecord> unix = FixtureSource().Collect(SocketQuery.All with { Transports = TransportSet.Unix }, diagnostics);
        Assert.All(unix, r => Assert.Equal(Transport.Unix, r.Transport));
        Assert.Equal(10, unix.Count);

        Assert.Empty(FixtureSource().Collect(SocketQuery.All with { Transports = TransportSet.None }, diagnostics));
    }

    [Fact]
    public void MissingDirectory_Unavailable()
    {
        var source = new ProcfsSocketSource(new ProcNetPaths("/nonexistent/socket-agent/proc/net"));
        Assert.Throws<SocketSourceUnavailableException>(() => source.Collect(SocketQuery.All, new CollectionDiagnostics()));
    }

    [Fact]
    public void MissingTables_SkippedWithOneWarningEach()
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("sa-procfs-missing-");
        try
        {
            File.Copy(Path.Combine(ProcfsFixtures.Directory, "tcp"), Path.Combine(dir.FullName, "tcp"));
            var source = new ProcfsSocketSource(new ProcNetPaths(dir.FullName));
            var diagnostics = new CollectionDiagnostics();

            Assert.Equal(8, source.Collect(SocketQuery.All, diagnostics).Count);
            Assert.Equal(8, source.Collect(SocketQuery.All, diagnostics).Count);

            Assert.Equal(12, diagnostics.Get(ProcfsCounters.FilesMissing)); // 6 tables, twice
            Assert.Equal(6, diagnostics.Warnings.Count);                   // but warned once each
            Assert.Contains(diagnostics.Warnings, w => w.Contains("tcp6", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void MalformedLines_CountedAndWarned()
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("sa-procfs-bad-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "tcp"),
                File.ReadAllText(Path.Combine(ProcfsFixtures.Directory, "tcp")) + "   9: garbage\n");
            var diagnostics = new CollectionDiagnostics();
            IReadOnlyList<SocketRecord> records = new ProcfsSocketSource(new ProcNetPaths(dir.FullName))
                .Collect(SocketQuery.All with { Transports = TransportSet.Tcp, Families = IpFamilySet.IPv4 }, diagnostics);

            Assert.Equal(8, records.Count);
            Assert.Equal(1, diagnostics.Get(ProcfsCounters.LinesMalformed));
            Assert.Contains(diagnostics.Warnings, w => w.Contains("malformed", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LargeTables_ReadPastTheInitialBuffer()
    {
        // 100,000 lines (~15 MB) forces the pooled buffer to grow several times.
        DirectoryInfo dir = Directory.CreateTempSubdirectory("sa-procfs-large-");
        try
        {
            using (var writer = new StreamWriter(Path.Combine(dir.FullName, "tcp")))
            {
                writer.Write("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
                for (int i = 0; i < 100_000; i++)
                {
                    writer.Write($"{i,4}: 0100007F:{i % 65536:X4} 0100007F:0050 01 00000000:00000000 00:00000000 00000000  1000        0 {i + 1} 1 0000000000000000 20 4 30 10 -1\n");
                }
            }
            var diagnostics = new CollectionDiagnostics();
            IReadOnlyList<SocketRecord> records = new ProcfsSocketSource(new ProcNetPaths(dir.FullName))
                .Collect(SocketQuery.All with { Transports = TransportSet.Tcp, Families = IpFamilySet.IPv4 }, diagnostics);

            Assert.Equal(100_000, records.Count);
            Assert.Equal(100_000UL, records[^1].Inode);
            Assert.Equal(0, diagnostics.Get(ProcfsCounters.LinesMalformed));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
