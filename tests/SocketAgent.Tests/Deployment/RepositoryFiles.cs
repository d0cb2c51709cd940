namespace SocketAgent.Tests.Deployment;

/// <summary>The deployment files as checked in: found from the test binary by walking up to the solution.</summary>
internal static class RepositoryFiles
{
    /// <summary>
    /// The capabilities the agent needs, as measured by <see cref="CapabilityTests"/> (deploy/README.md's table): the
    /// systemd unit, the DaemonSet and the Dockerfile must all name exactly these.
    /// </summary>
    public static readonly string[] DocumentedCapabilities = ["SYS_PTRACE", "DAC_READ_SEARCH", "SYS_ADMIN", "BPF", "PERFMON"];

    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SocketAgent.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no SocketAgent.sln above {AppContext.BaseDirectory}");
    }
}
