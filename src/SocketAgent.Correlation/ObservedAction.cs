namespace SocketAgent.Correlation;

/// <summary>The <c>event.action</c>s of socket events that say something about a connection's life.</summary>
internal enum ObservedAction : byte
{
    None,
    Snapshot,
    Opened,
    StateChanged,
    Closed,
}
