using System.Text.Json;

namespace SocketAgent.Collection.Containers;

/// <summary>
/// Reads a <c>v1 PodList</c> into the details of every container it names, by container id: the kubelet's and the
/// API server's pod lists give each started container as <c>status.containerStatuses[].containerID</c>
/// (<c>containerd://&lt;64 hex&gt;</c>, <c>cri-o://…</c>, <c>docker://…</c>), with init and ephemeral containers in
/// their own status lists. The id is the one the container's cgroup path carries.
/// </summary>
internal static class PodListReader
{
    private static readonly Dictionary<string, string> s_noLabels = [];

    /// <summary>Container id → details; throws <see cref="JsonException"/> when the body is not a pod list.</summary>
    public static Dictionary<string, ContainerDetails> Read(Stream body)
    {
        PodListJson list = JsonSerializer.Deserialize(body, PodListJsonContext.Default.PodListJson)
            ?? throw new JsonException("the answer is not a PodList (null)");
        var containers = new Dictionary<string, ContainerDetails>(StringComparer.Ordinal);
        foreach (PodJson? pod in list.Items ?? [])
        {
            if (pod?.Metadata is not { Name: { Length: > 0 } name, Namespace: { Length: > 0 } ns } metadata)
            {
                continue;
            }
            var details = new PodDetails(name, ns, NullIfEmpty(metadata.Uid), NullIfEmpty(pod.Spec?.NodeName),
                metadata.Labels is { Count: > 0 } labels ? labels : s_noLabels);
            Add(containers, details, pod.Spec, pod.Status?.ContainerStatuses);
            Add(containers, details, pod.Spec, pod.Status?.InitContainerStatuses);
            Add(containers, details, pod.Spec, pod.Status?.EphemeralContainerStatuses);
        }
        return containers;
    }

    private static void Add(Dictionary<string, ContainerDetails> containers, PodDetails pod, PodSpecJson? spec, List<ContainerStatusJson?>? statuses)
    {
        foreach (ContainerStatusJson? status in statuses ?? [])
        {
            if (status is null || ContainerId(status.ContainerID) is not string id)
            {
                continue; // not started yet: no container, no process to name
            }
            // The image as the pod spec asks for it (what add_kubernetes_metadata reports); the runtime's resolved
            // name when the spec does not list the container.
            (string? image, string? tag) = ImageReference.Split(SpecImage(spec, status.Name) ?? status.Image);
            containers[id] = new ContainerDetails(NullIfEmpty(status.Name), image, tag, s_noLabels) { Pod = pod };
        }
    }

    /// <summary>The id of <c>runtime://id</c>; null when there is none.</summary>
    internal static string? ContainerId(string? containerId)
    {
        if (string.IsNullOrEmpty(containerId))
        {
            return null;
        }
        int scheme = containerId.IndexOf("://", StringComparison.Ordinal);
        string id = scheme >= 0 ? containerId[(scheme + 3)..] : containerId;
        return id.Length > 0 ? id : null;
    }

    private static string? SpecImage(PodSpecJson? spec, string? name)
    {
        if (spec is null || string.IsNullOrEmpty(name))
        {
            return null;
        }
        return Find(spec.Containers, name) ?? Find(spec.InitContainers, name) ?? Find(spec.EphemeralContainers, name);

        static string? Find(List<PodContainerJson?>? containers, string name) =>
            containers?.FirstOrDefault(c => c?.Name == name)?.Image is { Length: > 0 } image ? image : null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
