namespace SocketAgent.Model;

/// <summary>A network namespace the agent collected from, identified as the kernel does: by its nsfs inode.</summary>
public sealed record NetworkNamespace
{
    /// <summary>The inode of the namespace's nsfs file (<c>readlink /proc/PID/ns/net</c> = <c>net:[INODE]</c>).</summary>
    public required ulong Inode { get; init; }

    /// <summary>The name under <c>/run/netns</c> (what <c>ip netns</c> lists), when it has one.</summary>
    public string? Name { get; init; }

    /// <summary>A path that opens the namespace (<c>/run/netns/NAME</c> or <c>/proc/PID/ns/net</c>).</summary>
    public string? Path { get; init; }

    /// <summary>True for the namespace the agent itself runs in.</summary>
    public bool IsAgentNamespace { get; init; }

    /// <summary>
    /// What the cgroup of the namespace's owner says: the first (lowest) pid living in it whose cgroup names a
    /// container or a pod — in a pod, the sandbox (pause) process that holds the pod's namespace. A socket no
    /// visible process holds (TIME_WAIT, a process in another pid namespace) is named by it.
    /// </summary>
    public CgroupIdentity? OwnerCgroup { get; init; }

    /// <summary>The container id of <see cref="OwnerCgroup"/>, when it names one.</summary>
    public string? ContainerId => OwnerCgroup?.ContainerId;

    /// <summary>Pids of processes living in the namespace (a few, for attribution and diagnostics).</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];
}
