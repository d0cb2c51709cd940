namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>A cycle that can describe itself to the operations endpoint (the event stream does; test cycles need not).</summary>
internal interface IMetricsSource
{
    /// <summary>Called on the cycle's thread between two cycles: copy, never share, mutable state.</summary>
    CycleMetrics CaptureMetrics();
}
