namespace SocketAgent.Spool;

/// <summary>
/// Events the spool could not keep, every sequence from <paramref name="First"/> to <paramref name="Last"/>
/// (<paramref name="Count"/> of them; equal to Last − First + 1 unless the range had to be widened or the offered
/// sequences were not contiguous), and why: <see cref="SpoolFull"/> (dropped when offered) or
/// <see cref="SpoolCorrupt"/> (accepted, then cut off with a corrupt or torn segment at recovery), <see cref="DiskFull"/>
/// (dropped when offered because the spool's disk was full and its write buffer too) or <see cref="WriteFailed"/>
/// (the same for any other write error).
/// </summary>
public readonly record struct SpoolLoss(long First, long Last, long Count, string Reason = SpoolLoss.SpoolFull)
{
    public const string SpoolFull = "spool_full";
    public const string SpoolCorrupt = "spool_corrupt";
    public const string DiskFull = "disk_full";
    public const string WriteFailed = "spool_write_failed";
}
