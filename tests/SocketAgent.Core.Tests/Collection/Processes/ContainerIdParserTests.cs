using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class ContainerIdParserTests
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
    public void FindsContainerIds(string cgroup, string? expected) => Assert.Equal(expected, ContainerIdParser.Parse(cgroup));

    [Fact]
    public void CapturedHostCgroupHasNoContainer()
    {
        Assert.Null(ContainerIdParser.Parse(File.ReadAllText(ProcessFixtures.Path("python", "cgroup"))));
        Assert.Null(ContainerIdParser.Parse(File.ReadAllText(ProcessFixtures.Path("init", "cgroup"))));
    }

    [Fact]
    public void RandomTextNeverThrows() =>
        Gen.String[Gen.Char["0123456789abcdef:/-.\nscopedkr"], 0, 200].Sample(text => { ContainerIdParser.Parse(text); }, iter: 2000);

    [Fact]
    public void RandomCharsNeverThrow() =>
        Gen.Char.Array[0, 300].Sample(chars => { ContainerIdParser.Parse(chars); }, iter: 1000);
}
