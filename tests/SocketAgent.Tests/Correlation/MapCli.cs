using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// Runs the built <c>socket-agent map</c> as a child process, with bytes on its stdin and, when asked, a PATH of its
/// own (through env(1), so the test can take Graphviz away from it without touching the machine).
/// </summary>
internal static class MapCli
{
    public static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Map", "fleet-connections.jsonl");

    public static ToolProcess.Result Run(params string[] args) => Run(args, ReadOnlyMemory<byte>.Empty);

    public static ToolProcess.Result Run(string[] args, ReadOnlyMemory<byte> standardInput, string? path = null)
    {
        string dotnet = FindOnPath("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH");
        // No diagnostics IPC socket, as AgentProcess does; PATH only when the test sets one.
        string[] command = ["DOTNET_EnableDiagnostics=0", .. path is null ? Array.Empty<string>() : [$"PATH={path}"],
            dotnet, AgentProcess.AssemblyPath, "map", .. args];
        return ToolProcess.RunAsync("/usr/bin/env", command, standardInput, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)
            .GetAwaiter().GetResult();
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
