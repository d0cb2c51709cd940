using System.Diagnostics;
using System.Text.Json;
using SocketAgent.Tests.Encoders.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// The real agent (<c>--once</c>) on a real listening process placed in a real cgroup laid out as the kubelet and
/// containerd make it, with <c>containers.kubernetes</c> pointing at <see cref="LoopbackKubelet"/> (HTTPS, a
/// CA-signed certificate, a bearer token) serving the kubelet-shaped fixture whose pod holds that container id: the
/// socket's line names the pod, its namespace, labels, node, the container and its image. With the kubelet down, or
/// its certificate from another CA, the ids still go out and one warning says why.
/// </summary>
public sealed class PodNamesTests : IDisposable
{
    // The fixture's pod web-7d4b9c8f6d-x2x9k (namespace shop) and its nginx container.
    private const string Nginx = "7e3a1f0c2b9d48e6a5c4b3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2";
    private const string PodUid = "3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18";
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.test-token";

    private readonly CgroupSandbox _cgroups = new();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-kube-");
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly LoopbackKubelet _kubelet;

    public PodNamesTests()
    {
        _kubelet = new LoopbackKubelet(_certificates.Server,
            File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kubernetes", "kubelet-pods.json")), Token);
        File.WriteAllText(Path.Combine(_dir.FullName, "token"), Token);
        _certificates.WriteCa(Path.Combine(_dir.FullName, "ca.crt"));
    }

    // The systemd cgroup driver (kubeadm's default).
    private static readonly string s_systemdLayout =
        $"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{PodUid.Replace('-', '_')}.slice/cri-containerd-{Nginx}.scope";

    public static TheoryData<string, string, string?> Layouts => new()
    {
        // The systemd and the cgroupfs drivers.
        { "v2", s_systemdLayout, "containerd" },
        { "v1", $"kubepods/burstable/pod{PodUid}/{Nginx}", null },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_pods_listener_is_named_with_its_pod_and_container(string hierarchy, string path, string? runtime)
    {
        (JsonElement line, AgentProcess.Result result) = RunOnListener(hierarchy, path, Path.Combine(_dir.FullName, "ca.crt"));

        Assert.DoesNotContain("pod names", result.StandardError);
        Assert.Equal(Nginx, Str(line, "container.id"));
        Assert.Equal(runtime, Str(line, "container.runtime"));
        Assert.Equal("nginx", Str(line, "container.name"));
        Assert.Equal("registry.example.net:5000/shop/nginx", Str(line, "container.image.name"));
        Assert.Equal("1.27.3", Get(line, "container.image.tag")?[0].GetString());
        Assert.Equal("kubernetes", Str(line, "orchestrator.type"));
        Assert.Equal("shop", Str(line, "orchestrator.namespace"));
        Assert.Equal("pod", Str(line, "orchestrator.resource.type"));
        Assert.Equal("web-7d4b9c8f6d-x2x9k", Str(line, "orchestrator.resource.name"));
        Assert.Equal(PodUid, Str(line, "orchestrator.resource.id"));
        Assert.Equal("web-7d4b9c8f6d-x2x9k", Str(line, "kubernetes.pod.name"));
        Assert.Equal(PodUid, Str(line, "kubernetes.pod.uid"));
        Assert.Equal("burstable", Str(line, "kubernetes.pod.qos_class"));
        Assert.Equal("shop", Str(line, "kubernetes.namespace"));
        Assert.Equal("worker-2.cluster.example", Str(line, "kubernetes.node.name"));
        Assert.Equal("web", Str(line, "kubernetes.labels.app"));
        Assert.Equal("web", Str(line, "kubernetes.labels.app_kubernetes_io/name"));
        Assert.Equal("shop", Str(line, "kubernetes.labels.app_kubernetes_io/part-of"));
        Assert.Equal("7d4b9c8f6d", Str(line, "kubernetes.labels.pod-template-hash"));
        // One container id to name in the run: one fetch, with the token.
        Assert.Equal(1, _kubelet.Requests);
        Assert.Equal($"Bearer {Token}", Assert.Single(_kubelet.Authorizations));
    }

    [Fact]
    public void A_process_of_the_pods_sandbox_is_named_with_its_pod()
    {
        // The pause container: in the pod's cgroup, not among its container statuses.
        const string sandbox = "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592";
        (JsonElement line, AgentProcess.Result result) = RunOnListener("v2", s_systemdLayout.Replace(Nginx, sandbox, StringComparison.Ordinal),
            Path.Combine(_dir.FullName, "ca.crt"));

        Assert.DoesNotContain("pod names", result.StandardError);
        Assert.Equal(sandbox, Str(line, "container.id"));
        Assert.Null(Str(line, "container.name"));
        Assert.Equal("web-7d4b9c8f6d-x2x9k", Str(line, "orchestrator.resource.name"));
        Assert.Equal("shop", Str(line, "kubernetes.namespace"));
        Assert.Equal("web", Str(line, "kubernetes.labels.app"));
        Assert.Equal(1, _kubelet.Requests); // the container id's fetch found the pod too
    }

    [Fact]
    public void With_the_kubelet_down_the_ids_go_out_and_one_warning_says_so()
    {
        _kubelet.Stop();
        (JsonElement line, AgentProcess.Result result) = RunOnListener("v2", s_systemdLayout, Path.Combine(_dir.FullName, "ca.crt"));

        AssertIdsOnly(line);
        string warning = Assert.Single(PodWarnings(result));
        Assert.Contains($"pod names: the kubelet at https://127.0.0.1:{_kubelet.Port} does not answer (", warning);
        Assert.Contains("Connection refused", warning);
    }

    [Fact]
    public void A_kubelet_certificate_from_another_ca_is_refused_with_one_clear_warning()
    {
        using var other = TestCertificates.Create("some-other-ca");
        string otherCa = Path.Combine(_dir.FullName, "other-ca.crt");
        other.WriteCa(otherCa);
        (JsonElement line, AgentProcess.Result result) = RunOnListener("v2", s_systemdLayout, otherCa);

        AssertIdsOnly(line);
        string warning = Assert.Single(PodWarnings(result));
        Assert.Contains($"does not chain to the CA in {otherCa}", warning);
        Assert.Equal(0, _kubelet.Requests); // the token was never sent
    }

    private static void AssertIdsOnly(JsonElement line)
    {
        Assert.Equal(Nginx, Str(line, "container.id"));
        Assert.Equal(PodUid, Str(line, "orchestrator.resource.id"));
        Assert.Equal("burstable", Str(line, "kubernetes.pod.qos_class"));
        Assert.Null(Str(line, "container.name"));
        Assert.Null(Str(line, "kubernetes.pod.name"));
        Assert.Null(Str(line, "orchestrator.namespace"));
    }

    private static string[] PodWarnings(AgentProcess.Result result) =>
        [.. result.StandardError.Split('\n').Where(static l => l.Contains("pod names", StringComparison.Ordinal))];

    /// <summary>Puts a listener into the cgroup at <paramref name="path"/> and runs <c>--once</c> with the kubelet source; its socket's line.</summary>
    private (JsonElement Line, AgentProcess.Result Result) RunOnListener(string hierarchy, string path, string caFile)
    {
        Assert.SkipWhen(Environment.UserName != "root", "moving processes between cgroups needs root");
        string? mount = CgroupSandbox.Mount(hierarchy);
        Assert.SkipWhen(mount is null, $"no cgroup {hierarchy} hierarchy mounted here");

        string cgroup = _cgroups.Create(mount!, path);
        (Process listener, int port) = _cgroups.StartListener();
        CgroupSandbox.MoveInto(cgroup, listener);

        string config = Path.Combine(_dir.FullName, "socket-agent.yaml");
        File.WriteAllText(config, $"""
            containers:
              docker_socket: ""
              kubernetes:
                source: kubelet
                kubelet_url: {_kubelet.BaseUri}
                token_file: {Path.Combine(_dir.FullName, "token")}
                ca_file: {caFile}
            """);
        AgentProcess.Result result = AgentProcess.Run(["--config", config, "--once", "-t", "-l"]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        JsonElement line = new AgentLines(result.Lines).SingleInet("tcp", "127.0.0.1", port);
        SchemaValidator.AssertValid(line.GetRawText());
        Assert.Equal(listener.Id, Num(line, "process.pid"));
        return (line, result);
    }

    public void Dispose()
    {
        _cgroups.Dispose();
        _kubelet.Dispose();
        _certificates.Dispose();
        _dir.Delete(recursive: true);
    }
}
