using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// <c>socket-agent netstat -i / -rn / -s</c> against the installed netstat. Inside a namespace of the test's own,
/// where nothing else moves the counters, the whole output is byte-identical (netstat runs there through
/// <c>ip netns exec</c>, the agent with <c>--netns /run/netns/NAME</c>); on the host, headings and layout match.
/// </summary>
public sealed class NetstatParityTests : IClassFixture<NetstatParityTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        public TestNetns? Namespaces { get; } = TestNetns.Unavailable() is null ? TestNetns.Create("e2e", 2, veth: true).HoldConnection() : null;

        public void Dispose() => Namespaces?.Dispose();
    }

    private readonly Fixture _fixture;

    public NetstatParityTests(Fixture fixture) => _fixture = fixture;

    [Theory]
    [InlineData("-i")]
    [InlineData("-ia")]
    [InlineData("-rn")]
    [InlineData("-rne")]
    [InlineData("-rnee")]
    [InlineData("-s")]
    [InlineData("-st")]
    [InlineData("-su")]
    [InlineData("-s -6")]
    public void Output_in_a_quiet_namespace_is_byte_identical_to_netstat(string flags)
    {
        Assert.SkipWhen(_fixture.Namespaces is null, TestNetns.Unavailable() ?? "namespaces unavailable");
        string ns = _fixture.Namespaces!.NameB;

        // Counters move only when traffic flows; read netstat first, then ours, then netstat again, and accept
        // ours when it equals either read. The namespace is quiet (no IPv6 on its link, no services), but a
        // packet can still cross a read, so a difference must repeat three times to count.
        string? failure = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string before = TestNetns.Exec(ns, "netstat " + flags);
            AgentProcess.Result ours = AgentProcess.Run(["netstat", .. flags.Split(' '), "--netns", "/run/netns/" + ns]);
            string after = TestNetns.Exec(ns, "netstat " + flags);

            Assert.Equal(0, ours.ExitCode);
            if (ours.StandardOutput == before || ours.StandardOutput == after)
            {
                return;
            }
            failure = $"socket-agent netstat {flags}:\n{ours.StandardOutput}\n--- netstat {flags}:\n{after}";
        }
        Assert.Fail(failure);
    }

    [Theory]
    [InlineData("-i", 2)]
    [InlineData("-rn", 2)]
    [InlineData("-s", 1)]
    public void Host_headings_equal_netstat(string flags, int headingLines)
    {
        string theirs = TestNetns.Run("netstat", flags);
        AgentProcess.Result ours = AgentProcess.Run("netstat", flags);

        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(theirs.Split('\n').Take(headingLines), ours.StandardOutput.Split('\n').Take(headingLines));
        Assert.Equal(theirs.Split('\n').Length, ours.StandardOutput.Split('\n').Length);
    }
}
