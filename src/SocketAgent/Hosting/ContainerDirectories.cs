using System.Globalization;
using SocketAgent.Cli.Configuration;
using SocketAgent.Collection.Containers;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// Opens what names containers, as configured: Docker Engine (<c>containers.docker_socket</c>), then the node's pod
/// list (<c>containers.kubernetes</c>). Shared by the daemon and <c>--once</c>.
/// </summary>
internal static class ContainerDirectories
{
    /// <summary>The variables Kubernetes sets in every pod for the API server's service.</summary>
    private const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";
    private const string ServicePortVariable = "KUBERNETES_SERVICE_PORT";

    /// <summary>The directories that are configured and usable here, asked in that order; null when there is none.</summary>
    public static ContainerDirectoryChain? Open(AgentOptions options, Action<string> log)
    {
        var directories = new List<IContainerDirectory>(2);
        if (DockerContainerDirectory.Open(options.DockerSocket, log) is { } docker)
        {
            directories.Add(docker);
        }
        if (PodSource(options.Kubernetes, log) is { } source)
        {
            directories.Add(new PodContainerDirectory(source, log));
        }
        return directories.Count > 0 ? new ContainerDirectoryChain([.. directories]) : null;
    }

    /// <summary>Where the pod list is read, or null when it is off (or cannot be, which <paramref name="log"/> is told once).</summary>
    internal static PodListSource? PodSource(KubernetesPodOptions options, Action<string> log)
    {
        KubernetesPodSourceKind kind = options.Source;
        string? serviceHost = Environment.GetEnvironmentVariable(ServiceHostVariable);
        if (kind == KubernetesPodSourceKind.Auto)
        {
            // In a pod with its service-account token: the kubelet. Anywhere else (a VM, a laptop): quietly off.
            if (string.IsNullOrEmpty(serviceHost) || !File.Exists(options.TokenFile))
            {
                return null;
            }
            kind = KubernetesPodSourceKind.Kubelet;
        }
        if (kind == KubernetesPodSourceKind.Off)
        {
            return null;
        }

        string node = options.NodeName.Length > 0 ? options.NodeName : Environment.GetEnvironmentVariable(KubernetesPodOptions.NodeNameVariable) ?? "";
        if (kind == KubernetesPodSourceKind.Kubelet)
        {
            if (options.KubeletUrl is null && node.Length == 0)
            {
                log($"pod names: off: the kubelet's address needs the node's name (set {KubernetesPodOptions.NodeNameVariable} from spec.nodeName, containers.kubernetes.node_name or containers.kubernetes.kubelet_url)");
                return null;
            }
            Uri kubelet = options.KubeletUrl ?? new Uri($"https://{node}:{PodListSource.KubeletPort.ToString(CultureInfo.InvariantCulture)}/");
            return PodListSource.Kubelet(kubelet, options.TokenFile, options.CaFile, options.KubeletInsecureTls);
        }

        if (string.IsNullOrEmpty(serviceHost) || node.Length == 0)
        {
            log($"pod names: off: the API server's pods of this node need {ServiceHostVariable} (set in every pod) and the node's name ({KubernetesPodOptions.NodeNameVariable} or containers.kubernetes.node_name)");
            return null;
        }
        string port = Environment.GetEnvironmentVariable(ServicePortVariable) is { Length: > 0 } p ? p : "443";
        string host = serviceHost.Contains(':', StringComparison.Ordinal) ? $"[{serviceHost}]" : serviceHost; // IPv6
        if (!Uri.TryCreate($"https://{host}:{port}/", UriKind.Absolute, out Uri? apiServer))
        {
            log($"pod names: off: {ServiceHostVariable}={serviceHost} and {ServicePortVariable}={port} make no URL");
            return null;
        }
        return PodListSource.ApiServer(apiServer, node, options.TokenFile, options.CaFile);
    }
}
