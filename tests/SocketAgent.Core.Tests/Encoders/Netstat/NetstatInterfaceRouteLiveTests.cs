using System.Diagnostics;
using System.Net.Sockets;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// Live check against the installed netstat: a fresh network namespace (Fixtures/netstat-ir/nsir-setup.sh) is built,
/// its links and routes read with <c>ip -j</c> while netstat runs, and both outputs compared byte for byte. The
/// namespace is deleted in <see cref="Dispose"/>, whether the test passed or not.
/// </summary>
public sealed class NetstatInterfaceRouteLiveTests : IDisposable
{
    private readonly string _namespace = $"sa-ir-{Environment.ProcessId}-{Random.Shared.Next(100000)}";
    private bool _created;

    [Fact]
    public async Task FreshNamespace_PrintsExactlyAsNetstat()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/netstat") && File.Exists("/usr/sbin/ip") && Environment.UserName == "root",
            "needs root, ip and net-tools netstat");
        _created = true;
        Run("/bin/bash", NetstatInterfaceWriterTests.FixturePath("nsir-setup.sh"), _namespace);

        // Counters move while IPv6 autoconfiguration chatters: retry until links read the same before and after.
        string links = "", addrs = "", netstatI = "", netstatIa = "";
        for (int attempt = 0; attempt < 20; attempt++)
        {
            links = InNamespace("ip", "-j", "-s", "-s", "link", "show");
            netstatI = InNamespace("netstat", "-i");
            netstatIa = InNamespace("netstat", "-ia");
            addrs = InNamespace("ip", "-j", "addr", "show");
            if (InNamespace("ip", "-j", "-s", "-s", "link", "show") == links)
            {
                break;
            }
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        List<InterfaceRecord> interfaces = IpJson.Interfaces(links, addrs);
        Assert.Equal(netstatI, NetstatInterfaceWriterTests.Render(interfaces, all: false));
        Assert.Equal(netstatIa, NetstatInterfaceWriterTests.Render(interfaces, all: true));

        List<RouteRecord> routes = IpJson.Routes(InNamespace("ip", "-4", "-j", "-d", "route", "show", "table", "all"), AddressFamily.InterNetwork, interfaces);
        foreach ((string flags, int extend) in new[] { ("-rn", 0), ("-rne", 1), ("-rnee", 2) })
        {
            string mine = await NetstatRouteWriterTests.RenderAsync(routes, new NetstatRouteOptions { NumericHosts = true, ExtendCount = extend });
            Assert.Equal(InNamespace("netstat", flags), mine);
        }
    }

    public void Dispose()
    {
        if (_created)
        {
            try
            {
                Run("ip", "netns", "delete", _namespace);
            }
            catch (InvalidOperationException)
            {
                // The setup may have failed before the namespace existed.
            }
        }
    }

    private string InNamespace(params string[] command) => Run("ip", ["netns", "exec", _namespace, .. command]);

    private static string Run(string file, params string[] args)
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
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} timed out");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        }
        return stdout;
    }
}
