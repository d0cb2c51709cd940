namespace SocketAgent.Collection.Containers;

/// <summary>
/// Asks several directories in turn (Docker Engine, then the node's pod list): the first that names the container
/// wins. A node can run both: Docker containers beside the kubelet's containerd ones.
/// </summary>
public sealed class ContainerDirectoryChain : IContainerDirectory, IDisposable
{
    private readonly IContainerDirectory[] _directories;

    public ContainerDirectoryChain(params IContainerDirectory[] directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        _directories = directories;
    }

    /// <summary>False while any of them is down: the container may be the one it would have named.</summary>
    public bool IsAnswering => _directories.All(static d => d.IsAnswering);

    public ContainerDetails? Find(string containerId)
    {
        foreach (IContainerDirectory directory in _directories)
        {
            if (directory.Find(containerId) is ContainerDetails details)
            {
                return details;
            }
        }
        return null;
    }

    public PodDetails? FindPod(string podUid)
    {
        foreach (IContainerDirectory directory in _directories)
        {
            if (directory.FindPod(podUid) is PodDetails pod)
            {
                return pod;
            }
        }
        return null;
    }

    public bool MayNameLater(string id) => _directories.Any(d => d.MayNameLater(id));

    public void Dispose()
    {
        foreach (IContainerDirectory directory in _directories)
        {
            (directory as IDisposable)?.Dispose();
        }
    }
}
