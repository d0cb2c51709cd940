namespace SocketAgent.Collection.Containers;

/// <summary>
/// The Kubernetes pod of a container, as the kubelet or the API server lists it: written as ECS
/// <c>orchestrator.namespace</c>/<c>orchestrator.resource.name</c> and as the <c>kubernetes.*</c> fields of Elastic's
/// <c>add_kubernetes_metadata</c> (<c>kubernetes.pod.name</c>, <c>.uid</c>, <c>kubernetes.namespace</c>,
/// <c>kubernetes.node.name</c>, <c>kubernetes.labels</c>).
/// </summary>
public sealed record PodDetails(string Name, string Namespace, string? Uid, string? NodeName, IReadOnlyDictionary<string, string> Labels);
