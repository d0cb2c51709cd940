using System.Diagnostics;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Cli;

/// <summary>
/// <c>socket-agent netstat FLAGS</c> against the installed <c>netstat FLAGS</c>, run at the same moment on the
/// same live sockets: the headings are identical, and so is every row of the sockets this test holds.
/// </summary>
public sealed class NetstatCommandTests : IClassFixture<LiveSockets>
{
    private readonly LiveSockets _live;

    public NetstatCommandTests(LiveSockets live) => _live = live;

    private static string RunNetstat(params string[] args)
    {
        var info = new ProcessStartInfo("netstat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using Process netstat = Process.Start(info)!;
        Task<string> stderr = netstat.StandardError.ReadToEndAsync();
        string output = netstat.StandardOutput.ReadToEnd();
        netstat.WaitForExit();
        _ = stderr.Result;
        return output;
    }

    private string[] OurMarkers() =>
    [
        ":" + LiveSockets.PortOf(_live.TcpV4Listener) + " ",
        ":" + LiveSockets.PortOf(_live.TcpV6Listener) + " ",
        ":" + LiveSockets.PortOf(_live.UdpBound) + " ",
        ":" + LiveSockets.PortOf(_live.UdpConnected) + " ",
        ":" + _live.ChildListenerPort + " ",
        "@" + _live.AbstractName,
    ];

    [Theory]
    [InlineData("-tuwxan")]
    [InlineData("-tlnp")]
    [InlineData("-tuanpW")]
    [InlineData("-xan")]
    [InlineData("-tuanee")]
    [InlineData("-uln")]
    public void Rows_and_headings_equal_netstat(string flags)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/netstat") || File.Exists("/bin/netstat"), "net-tools netstat is not installed");

        // Other tests open and close sockets meanwhile, and one may carry one of our port numbers: the two reads are
        // compared again (a few times) before a difference counts.
        string[] markers = OurMarkers();
        string[] Rows(string text) => text.Split('\n').Where(l => markers.Any(l.Contains)).Order(StringComparer.Ordinal).ToArray();
        static string[] Headings(string text) => text.Split('\n')
            .Where(static l => l.StartsWith("Active ", StringComparison.Ordinal) || l.StartsWith("Proto ", StringComparison.Ordinal)).ToArray();
        for (int attempt = 1; ; attempt++)
        {
            string theirs = RunNetstat(flags);
            AgentProcess.Result ours = AgentProcess.Run("netstat", flags);
            Assert.Equal(0, ours.ExitCode);
            Assert.Equal(Headings(theirs), Headings(ours.StandardOutput));

            string[] ourRows = Rows(ours.StandardOutput);
            Assert.NotEmpty(ourRows);
            if (attempt == 3 || Rows(theirs).SequenceEqual(ourRows))
            {
                Assert.Equal(Rows(theirs), ourRows);
                return;
            }
        }
    }

    [Fact]
    public void Cmdline_shows_the_full_command_line_where_netstat_cuts_the_name()
    {
        AgentProcess.Result result = AgentProcess.Run("netstat", "-tlnp", "--cmdline");
        Assert.Equal(0, result.ExitCode);

        string row = Assert.Single(result.StandardOutput.Split('\n'), l => l.Contains(":" + _live.ChildListenerPort + " "));
        Assert.Contains($"{_live.ChildPid}/", row);
        Assert.Contains("'--name=socket agent test' 'it'\\''s'", row);
        Assert.Contains("[REDACTED]", row);
        Assert.DoesNotContain("hunter2", row);
    }
}
