namespace SocketAgent.Collection.Containers;

/// <summary>
/// Where the node's pod list is read and how the agent proves who it is: the kubelet's <c>/pods</c> or the API
/// server's <c>/api/v1/pods?fieldSelector=spec.nodeName=NODE</c>, with the pod's service-account token and CA.
/// </summary>
/// <param name="Uri">The full URL of the pod list.</param>
/// <param name="Description">Names the source in log lines: <c>the kubelet at https://node-1:10250</c>.</param>
/// <param name="TokenFile">The bearer token, read at each request: projected service-account tokens rotate.</param>
/// <param name="CaFile">PEM certificates the server's certificate must chain to.</param>
/// <param name="SkipTlsVerify">
/// Accept any server certificate (kubelets often serve a self-signed one; metrics-server's
/// <c>--kubelet-insecure-tls</c>). The token is then sent to whoever answers at <paramref name="Uri"/>.
/// </param>
public sealed record PodListSource(Uri Uri, string Description, string TokenFile, string CaFile, bool SkipTlsVerify)
{
    /// <summary>The service-account token Kubernetes mounts into a pod.</summary>
    public const string ServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>The cluster CA Kubernetes mounts beside the token.</summary>
    public const string ServiceAccountCaFile = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

    /// <summary>
    /// What the kubelet's authorizer asks the API server about a <c>GET /pods</c>: verb <c>get</c> on this resource
    /// (every path without a subresource of its own maps to <c>nodes/proxy</c>). deploy/kubernetes grants it.
    /// </summary>
    public const string KubeletResource = "nodes/proxy";

    /// <summary>What the API server's pod list needs: verb <c>list</c> on <c>pods</c>.</summary>
    public const string ApiServerResource = "pods";

    /// <summary>The kubelet's authenticated port.</summary>
    public const int KubeletPort = 10250;

    /// <summary>The kubelet at <paramref name="baseUri"/> (<c>https://NODE:10250</c>): its <c>/pods</c> lists the node's pods (RBAC: <c>get</c> on <c>nodes/proxy</c>).</summary>
    public static PodListSource Kubelet(Uri baseUri, string tokenFile, string caFile, bool skipTlsVerify) =>
        new(new Uri(baseUri, "/pods"), $"the kubelet at {baseUri.GetLeftPart(UriPartial.Authority)}", tokenFile, caFile, skipTlsVerify);

    /// <summary>The API server at <paramref name="baseUri"/>: the pods of <paramref name="nodeName"/> only (RBAC: <c>list</c> on <c>pods</c>).</summary>
    public static PodListSource ApiServer(Uri baseUri, string nodeName, string tokenFile, string caFile) =>
        new(new Uri(baseUri, $"/api/v1/pods?fieldSelector={Uri.EscapeDataString("spec.nodeName=" + nodeName)}"),
            $"the API server at {baseUri.GetLeftPart(UriPartial.Authority)}", tokenFile, caFile, SkipTlsVerify: false);
}
