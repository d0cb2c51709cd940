namespace SocketAgent.Spool;

/// <summary>
/// Events the spool dropped because it was full: every sequence from <paramref name="First"/> to
/// <paramref name="Last"/> that the agent offered (<paramref name="Count"/> of them; equal to Last − First + 1 when the
/// offered sequences were contiguous).
/// </summary>
public readonly record struct SpoolLoss(long First, long Last, long Count);
