namespace SocketAgent.Events;

/// <summary>What happened to a socket between two observations (ECS <c>event.action</c>).</summary>
public enum SocketEventAction
{
    /// <summary>Present in the first (full) snapshot after start: lets a consumer build the state.</summary>
    Snapshot,

    /// <summary>A socket not seen before (listeners included).</summary>
    Opened,

    /// <summary>Gone: from its sock_diag destroy event (exact time, final tcp_info) or from the next snapshot.</summary>
    Closed,

    /// <summary>A TCP state transition (the previous state is carried).</summary>
    StateChanged,
}

public static class SocketEventActionExtensions
{
    /// <summary>The JSON spelling: <c>snapshot</c>, <c>opened</c>, <c>closed</c>, <c>state_changed</c>.</summary>
    public static string ToEcsName(this SocketEventAction action) => action switch
    {
        SocketEventAction.Snapshot => "snapshot",
        SocketEventAction.Opened => "opened",
        SocketEventAction.Closed => "closed",
        SocketEventAction.StateChanged => "state_changed",
        _ => "unknown",
    };
}
