using System.Reflection;

namespace SocketAgent.Cli.Hosting;

/// <summary><c>agent.version</c>: the assembly's informational version without the source-revision suffix.</summary>
internal static class AgentVersion
{
    public static string Current { get; } = Read();

    private static string Read()
    {
        string? version = typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version))
        {
            return "0.0.0";
        }
        int plus = version.IndexOf('+');
        return plus < 0 ? version : version[..plus];
    }
}
