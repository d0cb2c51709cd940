using System.Diagnostics;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>Runs the real <c>socket-agent</c> (the built CLI, as a child process) and captures stdout, stderr and the exit code.</summary>
internal static class AgentProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public string[] Lines => StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The CLI assembly copied beside the tests by the project reference.</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "socket-agent.dll");

    public static Result Run(params string[] args) => Run(args, TimeSpan.FromSeconds(60));

    public static Result Run(string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No diagnostics IPC socket (/tmp/dotnet-diagnostic-*): the agent must not see a socket of its own
        // that ss, run before and after it, cannot.
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.ArgumentList.Add(AssemblyPath);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("could not start socket-agent");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"socket-agent {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
