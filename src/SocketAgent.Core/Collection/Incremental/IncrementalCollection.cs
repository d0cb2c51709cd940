using SocketAgent.Model;

namespace SocketAgent.Collection.Incremental;

/// <summary>One cycle's result: the complete socket list of the namespace and their owners, as a full collection gives.</summary>
public sealed class IncrementalCollection
{
    public required IReadOnlyList<SocketRecord> Sockets { get; init; }
    public required SocketOwners Owners { get; init; }

    /// <summary>Why TCP was dumped whole this cycle; <see cref="FullDumpReason.None"/> for an incremental cycle.</summary>
    public FullDumpReason FullDumpReason { get; init; }
}
