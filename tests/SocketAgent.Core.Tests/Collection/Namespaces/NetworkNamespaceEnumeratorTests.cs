using System.Diagnostics;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Namespaces;

/// <summary>Enumeration over a fake /proc tree (links are just symlink text) and bad <c>--netns PATH</c> values.</summary>
public sealed class NetworkNamespaceEnumeratorTests : IDisposable
{
    private const string ContainerId = "4c1b2f0a9d8e7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a19080";

    private readonly string _root = Directory.CreateTempSubdirectory("socket-agent-netns-").FullName;
    private readonly string _proc;
    private readonly string _named;

    public NetworkNamespaceEnumeratorTests()
    {
        _proc = Path.Combine(_root, "proc");
        _named = Path.Combine(_root, "netns");
        Directory.CreateDirectory(_proc);
        Directory.CreateDirectory(_named);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void All_dedupes_processes_and_names_by_inode()
    {
        AddLink("self", "net:[100]");
        AddProcess(1, "net:[100]");
        AddProcess(2, "net:[100]");
        AddProcess(300, "net:[200]", $"0::/system.slice/docker-{ContainerId}.scope\n");
        AddProcess(301, "net:[200]", $"0::/system.slice/docker-{ContainerId}.scope\n");
        AddProcess(400, "mnt:[4026531832]"); // not a net link: ignored
        Directory.CreateDirectory(Path.Combine(_proc, "401"));  // exited between listing and reading: ignored
        Directory.CreateDirectory(Path.Combine(_proc, "sys"));
        // A real nsfs file under a name (the host's namespace, reached through a symlink) and a stale empty file,
        // as `ip netns add` leaves when its bind mount fails.
        ulong realInode = RealAgentInode();
        File.CreateSymbolicLink(Path.Combine(_named, "real"), "/proc/self/ns/net");
        File.WriteAllText(Path.Combine(_named, "stale"), "");

        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<NetworkNamespace> all = new NetworkNamespaceEnumerator(_proc, _named).Enumerate(NetworkNamespaceSelection.All, diagnostics);

        Assert.Equal([100UL, 200UL, realInode], all.Select(ns => ns.Inode)); // the agent first, then by inode
        NetworkNamespace agent = all[0];
        Assert.True(agent.IsAgentNamespace);
        Assert.Equal([1, 2], agent.Pids);
        Assert.Equal($"{_proc}/1/ns/net", agent.Path);
        Assert.Null(agent.ContainerId);

        NetworkNamespace container = Assert.Single(all, ns => ns.Inode == 200);
        Assert.Equal([300, 301], container.Pids);
        Assert.Equal(ContainerId, container.ContainerId);
        Assert.False(container.IsAgentNamespace);
        Assert.Null(container.Name);

        NetworkNamespace named = Assert.Single(all, ns => ns.Inode == realInode);
        Assert.Equal("real", named.Name);
        Assert.Equal(Path.Combine(_named, "real"), named.Path);
        Assert.Empty(named.Pids);

        Assert.Equal(1, diagnostics.Get(NetworkNamespaceEnumerator.NamedInvalidCounter));
        Assert.Contains(diagnostics.Warnings, w => w.Contains("stale", StringComparison.Ordinal));
        Assert.Equal(0, diagnostics.Get(NetworkNamespaceEnumerator.DeniedCounter));
    }

    [Fact]
    public void All_without_a_netns_directory_lists_processes_only()
    {
        AddLink("self", "net:[100]");
        AddProcess(5, "net:[100]");
        AddProcess(6, "net:[101]");

        IReadOnlyList<NetworkNamespace> all = new NetworkNamespaceEnumerator(_proc, Path.Combine(_root, "missing"))
            .Enumerate(NetworkNamespaceSelection.All, new CollectionDiagnostics());

        Assert.Equal([100UL, 101UL], all.Select(ns => ns.Inode));
    }

    [Fact]
    public void Host_is_the_agent_namespace_alone()
    {
        AddLink("self", "net:[100]");
        AddProcess(5, "net:[101]");

        NetworkNamespace agent = Assert.Single(new NetworkNamespaceEnumerator(_proc, _named).Enumerate(NetworkNamespaceSelection.Host, new CollectionDiagnostics()));

        Assert.Equal(100UL, agent.Inode);
        Assert.True(agent.IsAgentNamespace);
        Assert.Equal([Environment.ProcessId], agent.Pids);
    }

    [Fact]
    public void Unreadable_agent_namespace_is_a_clear_error()
    {
        var e = Assert.Throws<NetworkNamespaceException>(() =>
            new NetworkNamespaceEnumerator(_proc, _named).Enumerate(NetworkNamespaceSelection.Host, new CollectionDiagnostics()));
        Assert.Contains("self/ns/net", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_to_a_real_namespace_file_is_resolved()
    {
        NetworkNamespace ns = new NetworkNamespaceEnumerator().Enumerate(
            NetworkNamespaceSelection.Parse($"/proc/{Environment.ProcessId}/ns/net"), new CollectionDiagnostics())[0];

        Assert.Equal(RealAgentInode(), ns.Inode);
        Assert.True(ns.IsAgentNamespace);
        Assert.Equal([Environment.ProcessId], ns.Pids);
    }

    [Fact]
    public void Path_that_does_not_exist_is_a_clear_error()
    {
        string path = Path.Combine(_root, "no-such-namespace");
        var e = Assert.Throws<NetworkNamespaceException>(() => Resolve(path));
        Assert.Equal($"cannot open network namespace {path}: no such file", e.Message);
        Assert.False(e.IsPermissionDenied);
    }

    [Fact]
    public void Path_to_an_ordinary_file_or_directory_is_not_a_namespace()
    {
        string file = Path.Combine(_root, "plain");
        File.WriteAllText(file, "net:[1]");

        var e = Assert.Throws<NetworkNamespaceException>(() => Resolve(file));
        Assert.Contains($"{file} is not a network namespace", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<NetworkNamespaceException>(() => Resolve(_root));
        Assert.Contains("is not a network namespace", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_to_another_kind_of_namespace_says_which()
    {
        var e = Assert.Throws<NetworkNamespaceException>(() => Resolve("/proc/self/ns/mnt"));
        Assert.Equal("/proc/self/ns/mnt is a mnt namespace, not a network namespace", e.Message);
    }

    [Fact]
    public void Path_to_a_fifo_does_not_hang()
    {
        string fifo = Path.Combine(_root, "fifo");
        using (Process mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }
        Assert.SkipUnless(File.Exists(fifo), "mkfifo is not available");

        var e = Assert.Throws<NetworkNamespaceException>(() => Resolve(fifo));
        Assert.Contains("is not a network namespace", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/proc/1234/ns/net", 1234)]
    [InlineData("/proc/1234/ns/net/", 1234)]
    [InlineData("/host/proc/7/ns/net", 7)]
    [InlineData("/run/netns/web", 0)]
    [InlineData("/proc/self/ns/net", 0)]
    [InlineData("/proc/0/ns/net", 0)]
    [InlineData("/proc/-3/ns/net", 0)]
    [InlineData("ns/net", 0)]
    public void Parses_the_pid_of_a_proc_path(string path, int pid) =>
        Assert.Equal(pid, NetworkNamespaceEnumerator.ParsePidPath(path));

    [Fact]
    public void Selection_parses_host_all_and_paths()
    {
        Assert.Same(NetworkNamespaceSelection.Host, NetworkNamespaceSelection.Parse("host"));
        Assert.Same(NetworkNamespaceSelection.All, NetworkNamespaceSelection.Parse("all"));
        NetworkNamespaceSelection path = NetworkNamespaceSelection.Parse("/run/netns/web");
        Assert.Equal(NetworkNamespaceSelectionKind.Path, path.Kind);
        Assert.Equal("/run/netns/web", path.Path);
        Assert.Throws<ArgumentException>(() => NetworkNamespaceSelection.Parse(""));
    }

    private static NetworkNamespace Resolve(string path) =>
        Assert.Single(new NetworkNamespaceEnumerator().Enumerate(NetworkNamespaceSelection.ForPath(path), new CollectionDiagnostics()));

    private static ulong RealAgentInode() => new NetworkNamespaceEnumerator().AgentInode();

    private void AddProcess(int pid, string netLink, string cgroup = "0::/\n")
    {
        string name = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        AddLink(name, netLink);
        File.WriteAllText(Path.Combine(_proc, name, "cgroup"), cgroup);
    }

    private void AddLink(string directory, string netLink)
    {
        string ns = Path.Combine(_proc, directory, "ns");
        Directory.CreateDirectory(ns);
        File.CreateSymbolicLink(Path.Combine(ns, "net"), netLink);
    }
}
