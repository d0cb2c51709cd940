namespace SocketAgent.Spool;

/// <summary>When the spool forces its appended records to stable storage (fsync).</summary>
public enum SpoolSyncPolicy
{
    /// <summary>
    /// At the end of every batch (<see cref="DurableSpool.EndBatch"/>, once per collection cycle): nothing accepted is
    /// lost to a power failure once the cycle ends. The default.
    /// </summary>
    PerBatch,

    /// <summary>
    /// At most every <see cref="SpoolOptions.SyncInterval"/>, checked on append and at the end of each batch: fewer
    /// fsyncs on slow disks, at the price of up to that interval of events on a power failure. A crash of the agent
    /// alone (kill -9) loses nothing either way: each batch is handed to the kernel when it ends.
    /// </summary>
    Interval,
}
