using System.Diagnostics;
using System.Globalization;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// Live comparison with the installed netstat: this process opens known sockets of every kind (<see cref="LiveSockets"/>),
/// reads /proc/net itself (with the throwaway parser) and runs netstat at the same moment; the header lines and every row of OUR sockets must be
/// byte-identical. Other sockets on the host may come and go, so only ours are compared.
/// </summary>
public sealed class NetstatLiveComparisonTests
{
    private const string NetstatPath = "/usr/bin/netstat";

    [Theory]
    [InlineData("-tuwxan")]
    [InlineData("-tuwxl")]
    [InlineData("-tlnp")]
    [InlineData("-tuanpW")]
    [InlineData("-xan")]
    [InlineData("-xap")]
    [InlineData("-tuanee")]
    [InlineData("-tua")]
    [InlineData("-tuae")]
    public async Task OurSockets_PrintExactlyAsNetstatPrintsThem(string flags)
    {
        Assert.SkipUnless(File.Exists(NetstatPath), "net-tools netstat is not installed");
        using var sockets = LiveSockets.Open(spawnChild: false);

        string netstat = RunNetstat(flags);
        List<SocketRecord> ours = ProcNetFixture.ReadLive()
            .Where(r => sockets.Inodes.Contains(r.Inode))
            .ToList();
        Assert.True(ours.Count >= sockets.Inodes.Count - 1, $"found {ours.Count} of our {sockets.Inodes.Count} sockets in /proc/net");

        string mine = await RenderAsync(NetstatFlags.Parse(flags), ours, sockets.Inodes);

        var netstatLines = new HashSet<string>(netstat.Split('\n'), StringComparer.Ordinal);
        string[] mineLines = mine.TrimEnd('\n').Split('\n');
        Assert.True(mineLines.Length > 2, "nothing rendered");
        foreach (string line in mineLines)
        {
            Assert.True(netstatLines.Contains(line), $"line not in netstat {flags} output:\n[{line}]\n--- netstat:\n{netstat}");
        }
        Assert.StartsWith(mineLines[0] + "\n" + mineLines[1] + "\n", netstat, StringComparison.Ordinal);
    }

    private static async Task<string> RenderAsync(NetstatOptions options, List<SocketRecord> sockets, IReadOnlySet<ulong> inodes)
    {
        var me = new ProcessInfo
        {
            Pid = Environment.ProcessId,
            Name = File.ReadAllText("/proc/self/comm").TrimEnd('\n'),
            Args = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0'),
        };
        var snapshot = new SocketSnapshot
        {
            Timestamp = DateTimeOffset.UtcNow,
            Host = new HostIdentity(Environment.MachineName, null),
            Sockets = sockets,
            Owners = new SocketOwners(inodes.ToDictionary(i => i, _ => new[] { me }), 1, 0),
            Source = "procfs",
        };
        INameResolver names = options.Numeric
            ? NumericNameResolver.Instance
            : new SystemNameResolver(DnsHostNameLookup.Instance, ServiceNameTable.Load(), PasswdName);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        await new NetstatTableWriter(options, names).WriteAsync(snapshot, output, TestContext.Current.CancellationToken);
        return output.ToString();
    }

    private static string? PasswdName(uint uid)
    {
        foreach (string line in File.ReadLines("/etc/passwd"))
        {
            string[] f = line.Split(':');
            if (f.Length > 2 && f[2] == uid.ToString(CultureInfo.InvariantCulture))
            {
                return f[0];
            }
        }
        return null;
    }

    private static string RunNetstat(string flags)
    {
        var start = new ProcessStartInfo(NetstatPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in flags.Split(' '))
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = stderr.Result;
        return stdout;
    }
}
