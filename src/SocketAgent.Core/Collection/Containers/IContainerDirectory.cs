namespace SocketAgent.Collection.Containers;

/// <summary>
/// Names containers by id (from a process's cgroup). Implementations cache: a lookup of a known id costs no call to
/// the runtime. Thread-safe: <c>--once</c> encodes slices of its lines in parallel.
/// </summary>
public interface IContainerDirectory
{
    /// <summary>The container's details, or null when the runtime does not know the id or cannot be reached.</summary>
    ContainerDetails? Find(string containerId);

    /// <summary>
    /// The pod of <paramref name="podUid"/> (from a cgroup path) when the directory knows pods; null otherwise. For a
    /// process whose container the pod list does not name: a pod's sandbox, which owns its network namespace.
    /// </summary>
    PodDetails? FindPod(string podUid) => null;

    /// <summary>
    /// False while the runtime is known to be down: a null from <see cref="Find"/> then means "not now", not "no
    /// such container", and callers must not keep it.
    /// </summary>
    bool IsAnswering { get; }

    /// <summary>
    /// True when a null from <see cref="Find"/> or <see cref="FindPod"/> for <paramref name="id"/> (a container id or a
    /// pod uid) means "not yet": the runtime is down, or it may still list the id when asked again (a kubelet lists a
    /// container a moment after its runtime started it). A caller that keeps what it encoded asks again while this
    /// holds, and keeps the nameless encoding once it does not.
    /// </summary>
    bool MayNameLater(string id) => !IsAnswering;
}
