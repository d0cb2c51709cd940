namespace SocketAgent.Spool;

/// <summary>A spool's figures for the heartbeat.</summary>
/// <param name="Bytes">Disk used by the segments (acknowledged records included until their segment is deleted).</param>
/// <param name="Events">Records not yet acknowledged.</param>
/// <param name="Segments">Segment files.</param>
/// <param name="Watermark">The acknowledged sequence: everything up to it was confirmed by the remote.</param>
/// <param name="LastSequence">The newest sequence accepted.</param>
/// <param name="Drops">Events dropped since open because the spool was full (or its disk refused writes).</param>
/// <param name="Recoveries">Problems found and repaired when the spool was opened.</param>
/// <param name="WriteFailing">The disk refuses the spool's writes now (full): events that do not fit in memory are dropped.</param>
public readonly record struct SpoolStats(long Bytes, long Events, int Segments, long Watermark, long LastSequence, long Drops, int Recoveries, bool WriteFailing = false)
{
    /// <summary>How far the remote is behind: LastSequence − Watermark.</summary>
    public long WatermarkLag => Math.Max(0, LastSequence - Watermark);
}
