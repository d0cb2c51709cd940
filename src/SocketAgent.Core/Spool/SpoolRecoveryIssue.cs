namespace SocketAgent.Spool;

/// <summary>
/// A problem found while opening a spool, and what was done about it.
/// </summary>
/// <param name="Path">The file concerned.</param>
/// <param name="Offset">Where in the file the problem starts (0 for whole-file problems).</param>
/// <param name="DiscardedBytes">Bytes of the file that were cut off or deleted.</param>
/// <param name="Message">What was wrong and what the spool did, for a log line.</param>
public sealed record SpoolRecoveryIssue(string Path, long Offset, long DiscardedBytes, string Message)
{
    public override string ToString() => Message;
}
