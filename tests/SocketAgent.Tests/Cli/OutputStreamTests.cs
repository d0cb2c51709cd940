using System.Diagnostics;
using System.Net.Sockets;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Cli;

/// <summary>stdout carries data only, and a reader that stops early (<c>| head</c>) ends the agent cleanly.</summary>
public sealed class OutputStreamTests
{
    [Fact]
    public async Task A_reader_that_closes_the_pipe_early_ends_the_agent_with_exit_0_and_no_error()
    {
        // Far more output than a pipe buffers (64 KiB), so the agent really meets EPIPE after head exits.
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 150; i++)
            {
                var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                sockets.Add(listener);
                listener.Bind(new UnixDomainSocketEndPoint("\0socket-agent-epipe-" + Guid.NewGuid().ToString("N")));
                listener.Listen(1);
            }

            var info = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.Environment["DOTNET_EnableDiagnostics"] = "0";
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("dotnet \"$1\" --once -x | head -n 1 > /dev/null; echo \"agent=${PIPESTATUS[0]}\"");
            info.ArgumentList.Add("bash");
            info.ArgumentList.Add(AgentProcess.AssemblyPath);
            using Process bash = Process.Start(info)!;
            CancellationToken cancel = TestContext.Current.CancellationToken;
            Task<string> stderrTask = bash.StandardError.ReadToEndAsync(cancel);
            string stdout = await bash.StandardOutput.ReadToEndAsync(cancel);
            Assert.True(bash.WaitForExit(60_000));
            string stderr = await stderrTask;

            Assert.Equal("agent=0", stdout.Trim());
            Assert.DoesNotContain("Exception", stderr);
            Assert.DoesNotContain("error", stderr);
        }
        finally
        {
            sockets.ForEach(static s => s.Dispose());
        }
    }

    [Fact]
    public void Every_stdout_line_is_a_json_object_and_diagnostics_go_to_stderr()
    {
        AgentProcess.Result result = AgentProcess.Run("--once");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("\n", result.StandardOutput);
        Assert.All(result.Lines, static line => Assert.StartsWith("{\"@timestamp\":", line));
        Assert.All(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            static line => Assert.StartsWith("socket-agent: ", line));
    }
}
