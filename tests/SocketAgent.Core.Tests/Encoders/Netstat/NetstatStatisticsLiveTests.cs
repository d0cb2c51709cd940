using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SocketAgent.Collection;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// Live comparison with the installed netstat. In a fresh network namespace (quiet: only the traffic made here moves
/// its counters) the namespace's own files and netstat's output, read while the files stay the same, must give
/// byte-identical text for every flag combination. On the host, where counters move, a stable counter read before
/// and after netstat must bracket netstat's number.
/// </summary>
public sealed partial class NetstatStatisticsLiveTests : IDisposable
{
    private const string NetstatPath = "/usr/bin/netstat";
    private const string IpPath = "/usr/sbin/ip";

    private readonly string _namespace = "sa-stats-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sa-stats-live-" + Guid.NewGuid().ToString("N")[..8]);
    private bool _namespaceCreated;

    public void Dispose()
    {
        if (_namespaceCreated)
        {
            Run(IpPath, "netns", "del", _namespace);
        }
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void FreshNamespace_EveryFlagCombination_ByteIdentical()
    {
        Assert.SkipUnless(File.Exists(NetstatPath) && File.Exists(IpPath), "net-tools netstat or iproute2 ip is not installed");
        Assert.SkipUnless(Environment.UserName == "root", "creating a network namespace needs root");

        (int rc, _) = Run(IpPath, "netns", "add", _namespace);
        Assert.Equal(0, rc);
        _namespaceCreated = true;
        Exec("ip", "link", "set", "lo", "up");
        // ICMP port unreachable (v4 and v6), UDP out/NoPorts, a refused TCP connect (AttemptFails, OutRsts, TcpExt).
        Exec("bash", "-c", "echo x > /dev/udp/127.0.0.1/9; echo x > /dev/udp/::1/9; exec 3<>/dev/tcp/127.0.0.1/1 || true");
        Directory.CreateDirectory(_directory);

        for (int attempt = 0; ; attempt++)
        {
            string[] before = CaptureFiles();
            var outputs = NetstatStatisticsFlags.All.ToDictionary(f => f, f => Exec(["netstat", .. f.Split(' ')]));
            string[] after = CaptureFiles();
            if (!before.SequenceEqual(after))
            {
                Assert.True(attempt < 5, "the namespace's counters kept moving");
                continue;
            }

            var diagnostics = new CollectionDiagnostics();
            IReadOnlyList<ProtocolStatistics> groups = new ProtocolStatisticsReader(_directory).Read(diagnostics);
            Assert.Empty(diagnostics.Counters);
            Assert.Equal(1, groups.Single(g => g.Group == "Tcp")["AttemptFails"]);
            foreach ((string flags, string netstat) in outputs)
            {
                Assert.Equal(netstat, NetstatStatisticsWriterTests.Render(groups, NetstatStatisticsFlags.Parse(flags)));
            }
            return;
        }
    }

    [Fact]
    public void Host_TcpActiveOpens_BracketsNetstat()
    {
        Assert.SkipUnless(File.Exists(NetstatPath), "net-tools netstat is not installed");
        var reader = new ProtocolStatisticsReader();

        long before = reader.Read(new CollectionDiagnostics()).Single(g => g.Group == "Tcp")["ActiveOpens"]!.Value;
        (int rc, string netstat) = Run(NetstatPath, "-st");
        long after = reader.Read(new CollectionDiagnostics()).Single(g => g.Group == "Tcp")["ActiveOpens"]!.Value;

        Assert.Equal(0, rc);
        long printed = long.Parse(ActiveOpensLine().Match(netstat).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(printed, before, after);
    }

    [GeneratedRegex(@"^    (\d+) active connection openings$", RegexOptions.Multiline)]
    private static partial Regex ActiveOpensLine();

    private string[] CaptureFiles()
    {
        string[] texts = new string[3];
        string[] files = ["snmp", "netstat", "snmp6"];
        for (int i = 0; i < files.Length; i++)
        {
            texts[i] = Exec("cat", "/proc/net/" + files[i]);
            File.WriteAllText(Path.Combine(_directory, files[i]), texts[i]);
        }
        return texts;
    }

    private string Exec(params string[] command)
    {
        (int rc, string stdout) = Run(IpPath, ["netns", "exec", _namespace, .. command]);
        Assert.True(rc == 0, $"ip netns exec {string.Join(' ', command)} exited {rc}");
        return stdout;
    }

    private static (int ExitCode, string Stdout) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["LC_ALL"] = "C";
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = stderr.Result;
        return (process.ExitCode, stdout);
    }
}
