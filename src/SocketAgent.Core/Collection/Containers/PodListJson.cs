using System.Text.Json.Serialization;

namespace SocketAgent.Collection.Containers;

/// <summary>
/// The members of a <c>v1 PodList</c> the agent reads (the kubelet's <c>GET /pods</c> and the API server's
/// <c>GET /api/v1/pods</c> answer the same shape); everything else, most of a pod, is skipped.
/// </summary>
internal sealed class PodListJson
{
    public List<PodJson?>? Items { get; set; }
}

internal sealed class PodJson
{
    public PodMetadataJson? Metadata { get; set; }
    public PodSpecJson? Spec { get; set; }
    public PodStatusJson? Status { get; set; }
}

internal sealed class PodMetadataJson
{
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

internal sealed class PodSpecJson
{
    public string? NodeName { get; set; }
    public List<PodContainerJson?>? Containers { get; set; }
    public List<PodContainerJson?>? InitContainers { get; set; }
    public List<PodContainerJson?>? EphemeralContainers { get; set; }
}

/// <summary>A container of the pod's spec: its image as the pod asks for it (<c>nginx:1.27</c>).</summary>
internal sealed class PodContainerJson
{
    public string? Name { get; set; }
    public string? Image { get; set; }
}

internal sealed class PodStatusJson
{
    public List<ContainerStatusJson?>? ContainerStatuses { get; set; }
    public List<ContainerStatusJson?>? InitContainerStatuses { get; set; }
    public List<ContainerStatusJson?>? EphemeralContainerStatuses { get; set; }
}

/// <summary>
/// A running (or finished) container: <c>containerID</c> is <c>runtime://id</c> (absent while it waits to start),
/// <c>image</c> the image the runtime resolved (<c>docker.io/library/nginx:1.27</c>).
/// </summary>
internal sealed class ContainerStatusJson
{
    public string? Name { get; set; }
    public string? Image { get; set; }
    public string? ContainerID { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(PodListJson))]
internal sealed partial class PodListJsonContext : JsonSerializerContext
{
}
