using SocketAgent.Collection.Namespaces;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Namespaces;

public sealed class NetworkNamespaceIndexTests
{
    [Fact]
    public void Dedupes_by_inode_and_keeps_the_lowest_pids()
    {
        var index = new NetworkNamespaceIndex();
        foreach (int pid in new[] { 90, 7, 55, 3, 12, 1, 40 })
        {
            index.AddProcess(pid, 100);
        }
        index.AddProcess(7, 100); // listed twice (a racing /proc listing): kept once
        index.AddProcess(500, 200);

        List<NetworkNamespace> all = index.Build(agentInode: 100, agentPid: 4242, procRoot: "/proc", cgroupOf: null);

        Assert.Equal(2, all.Count);
        Assert.Equal([1, 3, 7, 12], all[0].Pids);
        Assert.Equal("/proc/1/ns/net", all[0].Path);
        Assert.True(all[0].IsAgentNamespace);
        Assert.Equal([500], all[1].Pids);
        Assert.False(all[1].IsAgentNamespace);
    }

    [Fact]
    public void Orders_the_agent_first_then_by_inode()
    {
        var index = new NetworkNamespaceIndex();
        index.AddProcess(1, 50);
        index.AddProcess(2, 900);
        index.AddProcess(3, 300);
        index.AddNamed("x", "/run/netns/x", 10);

        List<NetworkNamespace> all = index.Build(agentInode: 300, agentPid: 3, procRoot: "/proc", cgroupOf: null);

        Assert.Equal([300UL, 10UL, 50UL, 900UL], all.Select(ns => ns.Inode));
    }

    [Fact]
    public void Names_win_over_pid_paths_and_a_name_alone_is_a_namespace()
    {
        var index = new NetworkNamespaceIndex();
        index.AddProcess(10, 200);
        index.AddNamed("web", "/run/netns/web", 200);
        index.AddNamed("alias", "/run/netns/alias", 200); // two names for one namespace: the smaller wins
        index.AddNamed("idle", "/run/netns/idle", 300);   // no process lives there

        List<NetworkNamespace> all = index.Build(agentInode: 1, agentPid: 99, procRoot: "/proc", cgroupOf: null);

        NetworkNamespace web = Assert.Single(all, ns => ns.Inode == 200);
        Assert.Equal("alias", web.Name);
        Assert.Equal("/run/netns/alias", web.Path);
        Assert.Equal([10], web.Pids);

        NetworkNamespace idle = Assert.Single(all, ns => ns.Inode == 300);
        Assert.Equal("idle", idle.Name);
        Assert.Empty(idle.Pids);
    }

    [Fact]
    public void Adds_the_agent_namespace_even_when_no_process_showed_it()
    {
        var index = new NetworkNamespaceIndex();
        index.AddProcess(10, 200);

        List<NetworkNamespace> all = index.Build(agentInode: 77, agentPid: 4242, procRoot: "/proc", cgroupOf: null);

        Assert.True(all[0].IsAgentNamespace);
        Assert.Equal(77UL, all[0].Inode);
        Assert.Equal([4242], all[0].Pids);
        Assert.Equal("/proc/4242/ns/net", all[0].Path);
    }

    [Fact]
    public void The_lowest_pid_whose_cgroup_can_be_read_owns_the_namespace()
    {
        var index = new NetworkNamespaceIndex();
        // 200: a container; its lowest pid's cgroup cannot be read (it exited), the next one is the owner.
        index.AddProcess(30, 200);
        index.AddProcess(20, 200);
        index.AddProcess(10, 200);
        // 300: the host's namespace: pid 1 names nothing, a --net=host container lives in it too.
        index.AddProcess(1, 300);
        index.AddProcess(40, 300);
        // 400: a pod's sandbox whose cgroup names the pod but no container (the pod-level cgroup).
        index.AddProcess(50, 400);
        var asked = new List<int>();

        List<NetworkNamespace> all = index.Build(1, 1, "/proc", pid =>
        {
            asked.Add(pid);
            return pid switch
            {
                10 => null,
                1 => new CgroupIdentity { SystemdUnit = "init.scope", SystemdSlice = null },
                50 => new CgroupIdentity { PodUid = "0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b", QosClass = "besteffort" },
                _ => new CgroupIdentity { ContainerId = $"id-{pid}", ContainerRuntime = "containerd" },
            };
        });

        NetworkNamespace container = Assert.Single(all, ns => ns.Inode == 200);
        Assert.Equal("id-20", container.ContainerId);
        Assert.Equal("containerd", container.OwnerCgroup!.ContainerRuntime);
        Assert.DoesNotContain(30, asked); // 20 answered
        Assert.Null(Assert.Single(all, ns => ns.Inode == 300).OwnerCgroup);
        Assert.DoesNotContain(40, asked);
        NetworkNamespace pod = Assert.Single(all, ns => ns.Inode == 400);
        Assert.Null(pod.ContainerId);
        Assert.Equal("0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b", pod.OwnerCgroup!.PodUid);
    }
}
