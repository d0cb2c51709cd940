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
    /// False while the runtime is known to be down: a null from <see cref="Find"/> then means "not now", not "no
    /// such container", and callers must not keep it.
    /// </summary>
    bool IsAnswering { get; }
}
