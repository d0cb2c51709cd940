using System.Diagnostics;
using System.Text.Json;
using SocketAgent.Tests.Encoders.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// Real cgroups laid out as docker, containerd under Kubernetes, cri-o, podman and systemd make them (both drivers,
/// cgroup v2 and v1's name=systemd hierarchy), each holding a real listening process: <c>--once</c> names the
/// container and its runtime, the pod and its QoS class, or the systemd unit and slice, on that process's socket.
/// </summary>
public sealed class CgroupIdentityTests : IDisposable
{
    private const string Id = "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592";
    private const string PodUid = "0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b";

    private readonly CgroupSandbox _cgroups = new();

    public static TheoryData<string, string, string?, string?, string?, string?, string?> Layouts => new()
    {
        // hierarchy, path under the test's root, runtime, pod, qos, unit, slice
        { "v2", $"system.slice/docker-{Id}.scope", "docker", null, null, null, null },
        { "v1", $"docker/{Id}", "docker", null, null, null, null },
        { "v2", $"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{PodUid.Replace('-', '_')}.slice/cri-containerd-{Id}.scope", "containerd", PodUid, "burstable", null, null },
        { "v1", $"kubepods/besteffort/pod{PodUid}/{Id}", null, PodUid, "besteffort", null, null },
        { "v2", $"kubepods.slice/kubepods-pod{PodUid.Replace('-', '_')}.slice/crio-{Id}.scope", "cri-o", PodUid, "guaranteed", null, null },
        { "v2", $"machine.slice/libpod-{Id}.scope/container", "podman", null, null, null, null },
        { "v2", "system.slice/socket-agent-test.service", null, null, null, "socket-agent-test.service", "system.slice" },
        { "v1", "user.slice/user-1000.slice/session-7.scope", null, null, null, "session-7.scope", "user-1000.slice" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_process_in_a_runtime_cgroup_is_named_on_its_socket(
        string hierarchy, string path, string? runtime, string? pod, string? qos, string? unit, string? slice)
    {
        Assert.SkipWhen(Environment.UserName != "root", "moving processes between cgroups needs root");
        string? mount = CgroupSandbox.Mount(hierarchy);
        Assert.SkipWhen(mount is null, $"no cgroup {hierarchy} hierarchy mounted here ({(hierarchy == "v2" ? "cgroup2" : "name=systemd")})");

        string cgroup = _cgroups.Create(mount!, path);
        (Process listener, int port) = _cgroups.StartListener();
        CgroupSandbox.MoveInto(cgroup, listener);
        Assert.Contains($"/{_cgroups.Name}/{path}", File.ReadAllText($"/proc/{listener.Id}/cgroup"), StringComparison.Ordinal);

        AgentProcess.Result result = AgentProcess.Run(["--once", "-t", "-l"]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        JsonElement line = new AgentLines(result.Lines).SingleInet("tcp", "127.0.0.1", port);
        SchemaValidator.AssertValid(line.GetRawText());

        Assert.Equal(listener.Id, Num(line, "process.pid"));
        Assert.Equal(unit is null ? Id : null, Str(line, "container.id"));
        Assert.Equal(runtime, Str(line, "container.runtime"));
        Assert.Equal(pod, Str(line, "orchestrator.resource.id"));
        Assert.Equal(pod is null ? null : "kubernetes", Str(line, "orchestrator.type"));
        Assert.Equal(pod is null ? null : "pod", Str(line, "orchestrator.resource.type"));
        Assert.Equal(qos, Str(line, "kubernetes.pod.qos_class"));
        Assert.Equal(unit, Str(line, "systemd.unit"));
        Assert.Equal(slice, Str(line, "systemd.slice"));
    }

    public void Dispose() => _cgroups.Dispose();
}
