namespace SocketAgent.Cli.Commands;

/// <summary>Process exit codes, as documented in --help.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Collection failed (no socket source usable) or output could not be written.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line: unknown flag or bad value (getopt's convention).</summary>
    public const int Usage = 2;
}
