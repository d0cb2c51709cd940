namespace SocketAgent.Collection.Containers;

/// <summary>What a container runtime knows of one container beyond its id: ECS <c>container.name</c>, <c>image.*</c>, <c>labels</c>.</summary>
public sealed record ContainerDetails(string? Name, string? ImageName, string? ImageTag, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The Kubernetes pod the container belongs to, when the directory is the node's pod list; null otherwise.</summary>
    public PodDetails? Pod { get; init; }
}
