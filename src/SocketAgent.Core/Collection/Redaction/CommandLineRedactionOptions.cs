namespace SocketAgent.Collection.Redaction;

/// <summary>What <see cref="CommandLineRedactor"/> redacts beyond its built-in rules (configuration: <c>redaction.*</c>).</summary>
public sealed class CommandLineRedactionOptions
{
    /// <summary>False turns redaction off: command lines are written as read (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// More flags whose value is a secret, spelled as on the command line (<c>--vault-key</c>, <c>-k</c>): the value
    /// is redacted whether attached (<c>--vault-key=X</c>, <c>-kX</c> for a one-letter flag) or the next argument.
    /// </summary>
    public IReadOnlyList<string> ExtraFlags { get; init; } = [];

    /// <summary>
    /// More regular expressions (.NET syntax), matched against every argument: a group named <c>secret</c> is
    /// replaced where it matched, else the whole match. Example: <c>(?i)pin=(?&lt;secret&gt;\d+)</c>.
    /// </summary>
    public IReadOnlyList<string> ExtraPatterns { get; init; } = [];
}
