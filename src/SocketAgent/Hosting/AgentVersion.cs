using System.Reflection;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The agent's version, read from the assembly's informational version: <c>&lt;Version&gt;</c> of
/// Directory.Build.props (its only source; README's stated release is tested against it) plus the
/// <c>+commit</c> the SDK appends. <c>--version</c>, <c>agent.version</c> and the telemetry resource's <c>service.version</c> all read it here.
/// </summary>
internal static class AgentVersion
{
    /// <summary>The informational version as built, e.g. <c>0.1.0+45636a7f…</c>: what <c>--version</c> prints.</summary>
    public static string Informational { get; } =
        typeof(AgentVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { Length: > 0 } version
            ? version
            : "0.0.0";

    /// <summary><c>agent.version</c>: <see cref="Informational"/> without the source-revision suffix (the same for every build of a release).</summary>
    public static string Current { get; } = Informational.IndexOf('+') is int plus and >= 0 ? Informational[..plus] : Informational;
}
