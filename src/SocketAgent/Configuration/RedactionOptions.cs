using System.Text.RegularExpressions;

namespace SocketAgent.Cli.Configuration;

/// <summary><c>redaction.*</c>: secrets in <c>process.args</c> and <c>process.command_line</c> become <c>[REDACTED]</c>.</summary>
internal sealed class RedactionOptions
{
    /// <summary><c>redaction.enabled</c>. Default true: command lines leave the host, secrets must not.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>redaction.patterns</c>: extra regular expressions; what they match is redacted. Default none.</summary>
    public IReadOnlyList<Regex> Patterns { get; set; } = [];

    /// <summary><c>redaction.flags</c>: extra flags whose value (<c>--flag VALUE</c>, <c>--flag=VALUE</c>) is a secret. Default none.</summary>
    public IReadOnlyList<string> Flags { get; set; } = [];
}
