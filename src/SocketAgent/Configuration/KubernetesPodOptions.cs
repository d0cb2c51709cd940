using SocketAgent.Collection.Containers;

namespace SocketAgent.Cli.Configuration;

/// <summary>Where the node's pod list comes from (<c>containers.kubernetes.source</c>).</summary>
internal enum KubernetesPodSourceKind
{
    /// <summary>The kubelet, when the agent runs in a pod (<c>KUBERNETES_SERVICE_HOST</c> set, a token mounted); else off.</summary>
    Auto,

    /// <summary>The kubelet's <c>/pods</c> (RBAC: <c>get</c> on <c>nodes/proxy</c>).</summary>
    Kubelet,

    /// <summary>The API server's pods of this node (RBAC: <c>list</c> on <c>pods</c>).</summary>
    ApiServer,

    /// <summary>Never asked.</summary>
    Off,
}

/// <summary>
/// <c>containers.kubernetes.*</c>: pod names, namespaces, labels, container names and images for the containers of a
/// Kubernetes node (containerd, cri-o), from the kubelet or the API server.
/// </summary>
internal sealed class KubernetesPodOptions
{
    /// <summary>The variable the Kubernetes downward API sets to <c>spec.nodeName</c> in deploy/kubernetes.</summary>
    public const string NodeNameVariable = "NODE_NAME";

    /// <summary><c>source</c>: auto, kubelet, apiserver or off. Default auto.</summary>
    public KubernetesPodSourceKind Source { get; set; } = KubernetesPodSourceKind.Auto;

    /// <summary><c>node_name</c>: this node's name. Default (empty): <c>$NODE_NAME</c>.</summary>
    public string NodeName { get; set; } = "";

    /// <summary><c>kubelet_url</c>: the kubelet's base URL. Default (null): <c>https://NODE_NAME:10250</c>.</summary>
    public Uri? KubeletUrl { get; set; }

    /// <summary><c>token_file</c>: the service-account token. Default the one Kubernetes mounts.</summary>
    public string TokenFile { get; set; } = PodListSource.ServiceAccountTokenFile;

    /// <summary><c>ca_file</c>: the CA the server's certificate must chain to. Default the one Kubernetes mounts.</summary>
    public string CaFile { get; set; } = PodListSource.ServiceAccountCaFile;

    /// <summary><c>kubelet_insecure_tls</c>: accept any kubelet certificate. Default false.</summary>
    public bool KubeletInsecureTls { get; set; }

    public static string Name(KubernetesPodSourceKind kind) => kind switch
    {
        KubernetesPodSourceKind.Kubelet => "kubelet",
        KubernetesPodSourceKind.ApiServer => "apiserver",
        KubernetesPodSourceKind.Off => "off",
        _ => "auto",
    };

    public static KubernetesPodSourceKind? Parse(string text) => text switch
    {
        "auto" => KubernetesPodSourceKind.Auto,
        "kubelet" => KubernetesPodSourceKind.Kubelet,
        "apiserver" => KubernetesPodSourceKind.ApiServer,
        "off" => KubernetesPodSourceKind.Off,
        _ => null,
    };
}
