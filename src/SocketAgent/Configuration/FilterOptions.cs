namespace SocketAgent.Cli.Configuration;

/// <summary>
/// <c>filters.*</c>: a socket is reported when it matches <c>include</c> (an empty rule matches every socket), does
/// not match <c>exclude</c> (an empty rule matches none), and — with <c>drop_loopback</c> — is not loopback chatter.
/// </summary>
internal sealed class FilterOptions
{
    /// <summary><c>filters.include</c>. Default empty: every socket.</summary>
    public FilterRule Include { get; set; } = new();

    /// <summary><c>filters.exclude</c>. Default empty: none.</summary>
    public FilterRule Exclude { get; set; } = new();

    /// <summary>
    /// <c>filters.drop_loopback</c>: leave out sockets whose local and remote addresses are both loopback
    /// (127.0.0.0/8, ::1) — connected loopback traffic; loopback listeners stay. Default false.
    /// </summary>
    public bool DropLoopback { get; set; }
}
