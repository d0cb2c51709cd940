namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>container.*</c>: the container of the socket's (first) owner process.</summary>
public sealed class ContainerFields
{
    public required string Id { get; init; }

    /// <summary>ECS <c>container.runtime</c>: docker, containerd, cri-o, podman; null when the cgroup path does not say.</summary>
    public string? Runtime { get; init; }
}
