using SocketAgent.Model;

namespace SocketAgent.Events;

/// <summary>
/// One change of one socket, as the diff engine (or a sock_diag destroy notification) saw it. The encoder adds
/// the envelope (event.id, event.sequence, agent.*) when it writes it.
/// </summary>
public sealed class SocketEvent
{
    public required SocketEventAction Action { get; init; }

    /// <summary>The socket as last seen: for <see cref="SocketEventAction.Closed"/>, its final state and counters.</summary>
    public required SocketRecord Socket { get; init; }

    /// <summary>When it happened: the destroy notification's arrival, or the collection that noticed the change.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>For <see cref="SocketEventAction.StateChanged"/>: the state before.</summary>
    public KernelSocketState? PreviousState { get; init; }

    /// <summary>The processes holding the socket now, or — for a closed socket — the last ones known.</summary>
    public IReadOnlyList<ProcessInfo> Owners { get; init; } = [];

    /// <summary>When the agent first saw the socket (null when it never did: a destroy-only socket).</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>For <see cref="SocketEventAction.Closed"/>: how long it was seen open (ECS <c>event.duration</c>).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>False for a socket known only from its destroy event (it lived less than one interval).</summary>
    public bool SeenOpen { get; init; } = true;

    /// <summary>The network namespace the socket lives in, when known.</summary>
    public NetworkNamespace? Namespace { get; init; }

    /// <summary>For a <see cref="SocketEventAction.Closed"/> connection the kernel tracer saw: bytes and packets each way.</summary>
    public SocketTraffic? Traffic { get; init; }

    /// <summary>A connection that failed (a refused or timed-out connect): ECS <c>event.outcome: failure</c> and why.</summary>
    public SocketFailure? Failure { get; init; }

    /// <summary>From the kernel tracer (a transition as it happened), not from comparing two snapshots.</summary>
    public bool Traced { get; init; }
}
