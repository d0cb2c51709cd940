using System.Diagnostics;

namespace SocketAgent.Tests.Deployment;

/// <summary>Runs an external tool (systemd-analyze, kubectl, docker) to the end and captures what it printed.</summary>
public static class ToolRun
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}\n{StandardError}{StandardOutput}";
    }

    /// <summary>The first of the given paths that exists, or null: the tool is not installed.</summary>
    public static string? Find(params string[] paths) => paths.FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <paramref name="program"/> to its end; throws <see cref="TimeoutException"/> (after killing it and its
    /// children) when it takes longer than <paramref name="timeout"/>. <paramref name="environment"/> is added to this
    /// process's environment.
    /// </summary>
    public static Result Run(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
