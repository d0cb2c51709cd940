using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Cli;

public sealed class UsageTests
{
    [Theory]
    [InlineData("--once", "--bogus")]
    [InlineData("--once", "--source", "kernel")]
    [InlineData("netstat", "-Z")]
    [InlineData("netstat", "--source", "nope")]
    [InlineData("-4")]
    [InlineData("-l", "--interval", "1s")]
    [InlineData("-ta")]
    public void Bad_usage_gives_one_line_on_stderr_and_exit_code_2(params string[] args)
    {
        AgentProcess.Result result = AgentProcess.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        string[] errorLines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errorLines);
        Assert.StartsWith("socket-agent: ", errorLines[0]);
    }

    [Fact]
    public void Help_explains_every_option_with_an_example()
    {
        AgentProcess.Result result = AgentProcess.Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--once", "--source", "--host-name", "--tcp", "--udp", "--raw", "--unix", "--listening", "--all", "--inet", "--inet6", "netstat" })
        {
            Assert.Contains(option, result.StandardOutput);
        }
        Assert.Contains("Example", result.StandardOutput);
    }

    [Fact]
    public void Netstat_help_lists_its_flags()
    {
        AgentProcess.Result result = AgentProcess.Run("netstat", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "-t", "-u", "-w", "-x", "-l", "-a", "-n", "-p", "-e", "-W", "--cmdline" })
        {
            Assert.Contains(option, result.StandardOutput);
        }
    }
}
