namespace SocketAgent.Model;

/// <summary>
/// What a process's cgroup path says about who runs it: the container (id and runtime), the Kubernetes pod (uid and
/// QoS class), or, for a host service, its systemd unit and slice. Read from <c>/proc/pid/cgroup</c>, never guessed:
/// what the path does not name is null.
/// </summary>
public sealed record CgroupIdentity
{
    /// <summary>64 lowercase hex characters (docker, containerd, cri-o, podman).</summary>
    public string? ContainerId { get; init; }

    /// <summary><c>docker</c>, <c>containerd</c>, <c>cri-o</c> or <c>podman</c>, when the path names it (the cgroupfs driver under Kubernetes does not).</summary>
    public string? ContainerRuntime { get; init; }

    /// <summary>The pod's uid (dashed, as the API server writes it).</summary>
    public string? PodUid { get; init; }

    /// <summary><c>guaranteed</c>, <c>burstable</c> or <c>besteffort</c>, for a pod's process.</summary>
    public string? QosClass { get; init; }

    /// <summary>The systemd unit of a host process (<c>ssh.service</c>, <c>session-2.scope</c>); null inside a container.</summary>
    public string? SystemdUnit { get; init; }

    /// <summary>The slice the unit belongs to (<c>system.slice</c>, <c>user-1000.slice</c>).</summary>
    public string? SystemdSlice { get; init; }

    /// <summary>True when the path names a container or a pod: what can own a network namespace.</summary>
    public bool IsContainerOrPod => ContainerId is { Length: > 0 } || PodUid is not null;
}
