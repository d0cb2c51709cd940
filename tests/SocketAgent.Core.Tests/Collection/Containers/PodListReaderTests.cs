using System.Text;
using System.Text.Json;
using SocketAgent.Collection.Containers;

namespace SocketAgent.Tests.Collection.Containers;

/// <summary>
/// The pod list of <c>Fixtures/kubernetes/kubelet-pods.json</c> (written for these tests in the shape of a kubelet's
/// <c>GET /pods</c>: containerd, cri-o and docker ids, init and ephemeral containers, a restarted container, a static
/// pod, a pod still creating its container) read into container id → details.
/// </summary>
public sealed class PodListReaderTests
{
    internal const string Nginx = "7e3a1f0c2b9d48e6a5c4b3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2";
    internal const string WebPodUid = "3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18";

    private static Dictionary<string, ContainerDetails> ReadFixture()
    {
        using FileStream body = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kubernetes", "kubelet-pods.json"));
        return PodListReader.Read(body);
    }

    [Fact]
    public void Every_started_container_is_named_with_its_pod()
    {
        Dictionary<string, ContainerDetails> containers = ReadFixture();

        // nginx, envoy, the finished init container; coredns and its ephemeral debugger; kube-proxy. Not the
        // container still being created (no id yet), nor nginx's previous instance (lastState: its process is gone).
        Assert.Equal(6, containers.Count);
        Assert.DoesNotContain("5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c", containers.Keys);

        ContainerDetails nginx = containers[Nginx];
        Assert.Equal("nginx", nginx.Name);
        Assert.Equal("registry.example.net:5000/shop/nginx", nginx.ImageName);
        Assert.Equal("1.27.3", nginx.ImageTag);
        Assert.Empty(nginx.Labels);
        PodDetails pod = Assert.IsType<PodDetails>(nginx.Pod);
        Assert.Equal("web-7d4b9c8f6d-x2x9k", pod.Name);
        Assert.Equal("shop", pod.Namespace);
        Assert.Equal(WebPodUid, pod.Uid);
        Assert.Equal("worker-2.cluster.example", pod.NodeName);
        Assert.Equal("web", pod.Labels["app.kubernetes.io/name"]);
        Assert.Equal("web", pod.Labels["app"]);
        Assert.Equal(4, pod.Labels.Count);
    }

    [Fact]
    public void The_image_is_the_one_the_spec_asks_for_split_at_its_tag_and_digest()
    {
        Dictionary<string, ContainerDetails> containers = ReadFixture();

        // The status says "sha256:…" (an image pulled by digest): the spec's reference is the name.
        ContainerDetails envoy = containers["a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"];
        Assert.Equal(("envoy", "ghcr.io/acme/envoy", "v1.31.2"), (envoy.Name, envoy.ImageName, envoy.ImageTag));
        ContainerDetails migrate = containers["0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"];
        Assert.Equal(("migrate", "registry.example.net:5000/shop/migrate", "2024.11"), (migrate.Name, migrate.ImageName, migrate.ImageTag));
        ContainerDetails coredns = containers["c0ffee00d15ea5e0123456789abcdef0c0ffee00d15ea5e0123456789abcdef0"];
        Assert.Equal(("coredns", "registry.k8s.io/coredns/coredns", null), (coredns.Name, coredns.ImageName, coredns.ImageTag));
        ContainerDetails debugger = containers["deb0900000000000000000000000000000000000000000000000000000000001"];
        Assert.Equal(("debugger-h7x2p", "busybox", "1.36"), (debugger.Name, debugger.ImageName, debugger.ImageTag));
        Assert.Equal("coredns-5d78c9869d-8wq4t", debugger.Pod!.Name);
        ContainerDetails proxy = containers["d0cce4d0cce4d0cce4d0cce4d0cce4d0cce4d0cce4d0cce4d0cce4d0cce4d0cc"];
        Assert.Equal(("kube-proxy", "registry.k8s.io/kube-proxy", "v1.31.4"), (proxy.Name, proxy.ImageName, proxy.ImageTag));
        Assert.Equal("kube-proxy-worker-2.cluster.example", proxy.Pod!.Name);
    }

    [Theory]
    [InlineData("containerd://abc", "abc")]
    [InlineData("cri-o://abc", "abc")]
    [InlineData("docker://abc", "abc")]
    [InlineData("abc", "abc")]
    [InlineData("containerd://", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void The_runtime_scheme_is_not_part_of_the_id(string? containerId, string? id) =>
        Assert.Equal(id, PodListReader.ContainerId(containerId));

    [Theory]
    [InlineData("""{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}""", 0)]
    [InlineData("""{"kind":"PodList","apiVersion":"v1","metadata":{},"items":null}""", 0)]
    [InlineData("""{"items":[null,{"metadata":null},{"metadata":{"name":"a"}},{"metadata":{"name":"a","namespace":"b"},"status":{"containerStatuses":[null,{"name":"c"}]}}]}""", 0)]
    [InlineData("""{"items":[{"metadata":{"name":"a","namespace":"b"},"status":{"containerStatuses":[{"containerID":"containerd://x"}]}}]}""", 1)]
    public void Odd_but_valid_lists_are_read(string json, int count) =>
        Assert.Equal(count, PodListReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json))).Count);

    [Theory]
    [InlineData("null")]
    [InlineData("{\"items\": 5}")]
    [InlineData("<html>")]
    public void What_is_not_a_pod_list_throws_a_json_exception(string body) =>
        Assert.ThrowsAny<JsonException>(() => PodListReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(body))));
}
