using CsCheck;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Processes;

public class CgroupPathParserTests
{
    private const string Id = "3e2b3fa2c1a8dbcb9a5bd4dfce5ad0a0f4b5e2a6fa1c7ff0a1f8ebcb2e7b8d11";
    private const string Other = "9d6c1f2e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";

    public static TheoryData<string, string?> Lines => new()
    {
        // docker, cgroupfs driver (cgroup v1)
        { $"12:memory:/docker/{Id}", Id },
        { $"11:devices:/docker/{Id}\n10:pids:/docker/{Id}\n1:name=systemd:/docker/{Id}", Id },
        // docker, systemd driver (v1 and v2)
        { $"1:name=systemd:/system.slice/docker-{Id}.scope", Id },
        { $"0::/system.slice/docker-{Id}.scope", Id },
        // docker-in-docker: the innermost container
        { $"0::/docker/{Other}/docker/{Id}", Id },
        // GitHub Actions job containers (docker --cgroup-parent actions_job), ECS tasks
        { $"0::/actions_job/{Id}", Id },
        { $"8:memory:/ecs/5a3f0c4e9d6a4b1f8e2c7d0b9a8f6e5d/{Id}", Id },
        // Kubernetes with containerd, cgroupfs driver (v1)
        { $"11:cpuset:/kubepods/burstable/pod7c2b6e0a-4f1e-4c1b-9a3e-2d5c8f0b1a2e/{Id}", Id },
        { $"4:memory:/kubepods/besteffort/pod1a2b3c4d-0000-1111-2222-333344445555/{Id}", Id },
        // Kubernetes with containerd, systemd driver (v2)
        { $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c2b6e0a_4f1e_4c1b_9a3e_2d5c8f0b1a2e.slice/cri-containerd-{Id}.scope", Id },
        { $"0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod1a2b_3c4d.slice/cri-containerd-{Id}.scope", Id },
        // cri-o, and its conmon monitor (outside the container)
        { $"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000.slice/crio-{Id}.scope", Id },
        { $"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000.slice/crio-conmon-{Id}.scope", null },
        // podman: rootful, nested "container" sub-cgroup, rootless, and conmon
        { $"0::/machine.slice/libpod-{Id}.scope", Id },
        { $"0::/machine.slice/libpod-{Id}.scope/container", Id },
        { $"0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{Id}.scope", Id },
        { $"0::/machine.slice/libpod-conmon-{Id}.scope", null },
        // host processes
        { "0::/", null },
        { "0::/init.scope", null },
        { "0::/user.slice/user-1000.slice/session-2.scope", null },
        { "0::/system.slice/containerd.service", null },
        { "0::/system.slice/docker.service", null },
        { "4:memory:/process_api/5e62478dca8376cf893fe67f7fce8e36", null }, // 32 hex: not a container id
        { $"0::/docker/{Id.ToUpperInvariant()}", null },
        { $"0::/docker/{Id}0", null },
        { "", null },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void FindsContainerIds(string cgroup, string? expected) => Assert.Equal(expected, CgroupPathParser.Parse(cgroup)?.ContainerId);

    private const string Uid = "7c2b6e0a-4f1e-4c1b-9a3e-2d5c8f0b1a2e";

    /// <summary>cgroup file → runtime, pod uid, QoS class, systemd unit, slice.</summary>
    public static TheoryData<string, string?, string?, string?, string?, string?> Identities => new()
    {
        { $"12:memory:/docker/{Id}\n1:name=systemd:/docker/{Id}", "docker", null, null, null, null },
        { $"0::/system.slice/docker-{Id}.scope", "docker", null, null, null, null },
        { $"0::/machine.slice/libpod-{Id}.scope/container", "podman", null, null, null, null },
        { $"0::/libpod_parent/libpod-{Id}", "podman", null, null, null, null },
        // Kubernetes, cgroupfs driver: the path does not name the runtime; guaranteed pods have no QoS level.
        { $"11:cpuset:/kubepods/burstable/pod{Uid}/{Id}", null, Uid, "burstable", null, null },
        { $"11:cpuset:/kubepods/pod{Uid}/{Id}", null, Uid, "guaranteed", null, null },
        // Kubernetes, systemd driver: the uid's dashes are underscores in the slice name.
        { $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{Uid.Replace('-', '_')}.slice/cri-containerd-{Id}.scope", "containerd", Uid, "burstable", null, null },
        { $"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{Uid.Replace('-', '_')}.slice/crio-{Id}.scope", "cri-o", Uid, "besteffort", null, null },
        { $"0::/kubepods.slice/kubepods-pod{Uid.Replace('-', '_')}.slice/cri-containerd-{Id}.scope", "containerd", Uid, "guaranteed", null, null },
        // Host services: v2, and v1's name=systemd line (the other controllers' paths are not units).
        { "0::/system.slice/ssh.service", null, null, null, "ssh.service", "system.slice" },
        { "4:memory:/system.slice/cron.service\n1:name=systemd:/system.slice/nginx.service\n0::/", null, null, null, "nginx.service", "system.slice" },
        { "0::/user.slice/user-1000.slice/session-2.scope", null, null, null, "session-2.scope", "user-1000.slice" },
        { "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo.service", null, null, null, "app-foo.service", "app.slice" },
        { "0::/init.scope", null, null, null, "init.scope", null },
        // A container's own scope is not reported as a unit; nothing at all for the root or a hidden path.
        { "0::/", null, null, null, null, null },
        { "4:memory:/process_api/5e62478dca8376cf893fe67f7fce8e36\n0::/", null, null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Identities))]
    public void Names_the_runtime_the_pod_and_the_unit(string cgroup, string? runtime, string? pod, string? qos, string? unit, string? slice)
    {
        CgroupIdentity? identity = CgroupPathParser.Parse(cgroup);
        Assert.Equal((runtime, pod, qos, unit, slice),
            (identity?.ContainerRuntime, identity?.PodUid, identity?.QosClass, identity?.SystemdUnit, identity?.SystemdSlice));
        if (unit is not null)
        {
            Assert.Null(identity!.ContainerId);
        }
    }

    [Fact]
    public void CapturedHostCgroupHasNoContainer()
    {
        Assert.Null(CgroupPathParser.Parse(File.ReadAllText(ProcessFixtures.Path("python", "cgroup")))?.ContainerId);
        Assert.Null(CgroupPathParser.Parse(File.ReadAllText(ProcessFixtures.Path("init", "cgroup")))?.ContainerId);
    }

    [Fact]
    public void RandomTextNeverThrows() =>
        Gen.String[Gen.Char["0123456789abcdef:/-.\nscopedkrpoubesvic_"], 0, 200].Sample(text => { CgroupPathParser.Parse(text); }, iter: 2000);

    [Fact]
    public void RandomCharsNeverThrow() =>
        Gen.Char.Array[0, 300].Sample(chars => { CgroupPathParser.Parse(chars); }, iter: 1000);
}
