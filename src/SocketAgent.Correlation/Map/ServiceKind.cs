namespace SocketAgent.Correlation.Map;

/// <summary>What names a service, strongest first: the name a person gave it beats the program that runs it.</summary>
internal enum ServiceKind
{
    /// <summary>A Kubernetes pod (<c>kubernetes.pod.name</c>, or <c>orchestrator.resource.name</c> of type pod).</summary>
    Pod,

    /// <summary>A container (<c>container.name</c>, else the short <c>container.id</c>).</summary>
    Container,

    /// <summary>A systemd unit (<c>systemd.unit</c>).</summary>
    Unit,

    /// <summary>The process name (<c>process.name</c>).</summary>
    Process,

    /// <summary>No agent named the owner: a host nobody monitors, or a connection too short to see its process.</summary>
    Unknown,
}
