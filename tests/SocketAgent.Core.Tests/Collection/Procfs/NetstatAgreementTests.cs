using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Procfs;

/// <summary>Our reading of /proc/net agrees with netstat's reading of the same tables.</summary>
public class NetstatAgreementTests
{
    [Fact]
    public void CapturedTables_MatchNetstatCapturedAtTheSameMoment_EveryRow()
    {
        List<NetstatRow> ours = NetstatView.FromTables(ProcfsFixtures.Directory).Select(x => x.Row).ToList();
        List<NetstatRow> netstat = NetstatView.ParseNetstat(File.ReadAllText(Path.Combine(ProcfsFixtures.Directory, "netstat-tuwxanW.txt")));

        Assert.Equal(28, netstat.Count);
        Assert.Equal(netstat.Select(r => r.ToString()).Order(StringComparer.Ordinal), ours.Select(r => r.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LiveKernel_OurSocketsMatchNetstat()
    {
        string? netstatPath = new[] { "/usr/bin/netstat", "/bin/netstat", "/usr/sbin/netstat" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(netstatPath is null, "netstat (net-tools) is not installed");

        // Opening waits until the unread bytes are queued, so the rows do not change between the two reads.
        using var sockets = LiveSockets.Open(spawnChild: false);

        // Same moment: netstat reads the tables right after we copy them; our sockets do not change meanwhile.
        string snapshot = Directory.CreateTempSubdirectory("sa-procfs-netstat-").FullName;
        try
        {
            foreach (string file in new[] { "tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix" })
            {
                File.WriteAllBytes(Path.Combine(snapshot, file), File.ReadAllBytes(Path.Combine("/proc/net", file)));
            }
            string output = RunNetstat(netstatPath!);

            IReadOnlySet<ulong> inodes = sockets.Inodes;
            List<NetstatRow> ours = NetstatView.FromTables(snapshot)
                .Where(x => inodes.Contains(x.Record.Inode))
                .Select(x => x.Row)
                .ToList();
            HashSet<NetstatRow> netstat = NetstatView.ParseNetstat(output).ToHashSet();

            Assert.True(ours.Count >= sockets.Inodes.Count, $"found {ours.Count} of {sockets.Inodes.Count} sockets");
            Assert.All(ours, row => Assert.Contains(row, netstat));
        }
        finally
        {
            Directory.Delete(snapshot, recursive: true);
        }
    }

    private static string RunNetstat(string path)
    {
        var psi = new ProcessStartInfo(path, "-tuwxanW") { RedirectStandardOutput = true, UseShellExecute = false };
        using Process process = Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
