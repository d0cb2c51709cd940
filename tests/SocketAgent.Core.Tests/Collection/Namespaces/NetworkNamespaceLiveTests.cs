using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Namespaces;

/// <summary>
/// Real namespaces: a listener opened inside A (from a runner thread), a connection to it from B over a veth pair,
/// then enumeration and collection in every namespace with both sources. Needs root and iproute2.
/// </summary>
public sealed class NetworkNamespaceLiveTests
{
    private static readonly SocketQuery s_tcp = new() { Transports = TransportSet.Tcp };

    [Fact]
    public void Collects_each_namespace_with_netlink_and_procfs()
    {
        string? unavailable = TestNetns.Unavailable();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");

        using TestNetns pair = TestNetns.Create("ns", 2, veth: true);
        using System.Diagnostics.Process sleeper = pair.StartIn(pair.NameA, "sleep", "60");
        IPAddress addressA = IPAddress.Parse(pair.AddressA), addressB = IPAddress.Parse(pair.AddressB);
        using var runner = new NetworkNamespaceRunner();
        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<NetworkNamespace> all = new NetworkNamespaceEnumerator().Enumerate(NetworkNamespaceSelection.All, diagnostics);

        ulong inodeA = TestNetns.Inode(pair.NameA), inodeB = TestNetns.Inode(pair.NameB);
        NetworkNamespace a = Assert.Single(all, ns => ns.Name == pair.NameA);
        NetworkNamespace b = Assert.Single(all, ns => ns.Name == pair.NameB);
        Assert.Equal(inodeA, a.Inode);
        Assert.Equal(inodeB, b.Inode);
        Assert.Equal(pair.PathA, a.Path);
        Assert.Contains(sleeper.Id, a.Pids); // found through /proc/PID/ns/net, not only by name
        Assert.Empty(b.Pids);
        Assert.True(all[0].IsAgentNamespace);
        Assert.Equal(runner.AgentInode, all[0].Inode);

        // A socket belongs to the namespace of the thread that created it, whichever thread uses it later.
        using Socket listener = runner.Run(a, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(addressA, 0));
            s.Listen();
            return s;
        });
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using Socket client = runner.Run(b, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(new IPEndPoint(addressA, port));
            return s;
        });
        using Socket accepted = listener.Accept();
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;

        var collector = new NetworkNamespaceCollector(runner);
        var sources = new (string Name, Func<ISocketSource> Create)[]
        {
            ("netlink", () => new NetlinkSocketSource()),
            ("procfs", () => new ProcfsSocketSource(new ProcNetPaths(NetworkNamespaceRunner.ThreadNetDirectory))),
        };
        foreach ((string name, Func<ISocketSource> create) in sources)
        {
            IReadOnlyList<NamespaceOutcome<IReadOnlyList<SocketRecord>>> outcomes =
                collector.Collect(all, _ => create().Collect(s_tcp, diagnostics), diagnostics);

            Assert.True(outcomes[0].Namespace.IsAgentNamespace, name);
            Assert.Equal(outcomes.Select(o => o.Namespace.Inode).Skip(1).Order(), outcomes.Select(o => o.Namespace.Inode).Skip(1));
            NamespaceOutcome<IReadOnlyList<SocketRecord>> inA = Assert.Single(outcomes, o => o.Namespace.Inode == inodeA);
            NamespaceOutcome<IReadOnlyList<SocketRecord>> inB = Assert.Single(outcomes, o => o.Namespace.Inode == inodeB);
            Assert.True(inA.Succeeded, $"{name}: {inA.Error}");
            Assert.True(inB.Succeeded, $"{name}: {inB.Error}");

            Assert.Contains(inA.Value!, s => s.State == KernelSocketState.Listen && addressA.Equals(s.LocalAddress) && s.LocalPort == port);
            Assert.Contains(inA.Value!, s => s.State == KernelSocketState.Established && addressA.Equals(s.LocalAddress) && s.LocalPort == port
                && addressB.Equals(s.RemoteAddress) && s.RemotePort == clientPort);
            SocketRecord outgoing = Assert.Single(inB.Value!, s => addressB.Equals(s.LocalAddress));
            Assert.Equal(KernelSocketState.Established, outgoing.State);
            Assert.Equal((addressA, port, clientPort), (outgoing.RemoteAddress!, outgoing.RemotePort, outgoing.LocalPort));
            Assert.DoesNotContain(inB.Value!, s => s.LocalPort == port && s.State == KernelSocketState.Listen);

            IReadOnlyList<SocketRecord> host = outcomes[0].Value!;
            Assert.DoesNotContain(host, s => addressA.Equals(s.LocalAddress) || addressB.Equals(s.LocalAddress));
        }
        Assert.Equal(0, diagnostics.Get(NetworkNamespaceCollector.EnterDeniedCounter));
        Assert.Equal(0, diagnostics.Get(NetworkNamespaceCollector.FailedCounter));

        // Without setns: /proc/PID/net of a process inside A shows A's tables.
        IReadOnlyList<SocketRecord> viaPid = new ProcfsSocketSource(ProcNetPaths.ForProcess(sleeper.Id)).Collect(s_tcp, diagnostics);
        Assert.Contains(viaPid, s => s.State == KernelSocketState.Listen && addressA.Equals(s.LocalAddress) && s.LocalPort == port);
    }

    [Fact]
    public void Proc_net_follows_the_leader_but_thread_self_follows_the_thread()
    {
        string? unavailable = TestNetns.Unavailable();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");

        using TestNetns pair = TestNetns.Create("ns", 2, veth: true);
        using var runner = new NetworkNamespaceRunner();
        NetworkNamespace a = new NetworkNamespaceEnumerator().FromPath(pair.PathA);

        (ulong threadInode, string threadDev, string procNetDev, int threadId) = runner.Run(a, () => (
            NamespaceFile.CurrentThreadInode(),
            File.ReadAllText(NetworkNamespaceRunner.ThreadNetDirectory + "/dev"),
            File.ReadAllText("/proc/net/dev"),
            Environment.CurrentManagedThreadId));

        Assert.Equal(a.Inode, threadInode);
        Assert.NotEqual(Environment.CurrentManagedThreadId, threadId);
        Assert.Contains($"sa", threadDev, StringComparison.Ordinal);
        Assert.DoesNotContain(pair.VethA + ":", procNetDev, StringComparison.Ordinal); // the veth end lives only in A
        Assert.Contains(pair.VethA + ":", threadDev, StringComparison.Ordinal);
        Assert.Equal(runner.AgentInode, NamespaceFile.CurrentThreadInode()); // the caller never moved
    }

    [Fact]
    public void Runs_inline_in_the_callers_namespace_and_reports_failures_as_outcomes()
    {
        using var runner = new NetworkNamespaceRunner(maxDegreeOfParallelism: 2);
        NetworkNamespace agent = new NetworkNamespaceEnumerator().Agent();

        Assert.Equal(Environment.CurrentManagedThreadId, runner.Run(agent, () => Environment.CurrentManagedThreadId));

        var gone = new NetworkNamespace { Inode = 12345, Path = "/nonexistent/netns", Pids = [] };
        var diagnostics = new CollectionDiagnostics();
        IReadOnlyList<NamespaceOutcome<int>> outcomes = new NetworkNamespaceCollector(runner).Collect(
            [gone, agent, agent with { }],
            ns => ns.IsAgentNamespace ? throw new InvalidOperationException("boom") : 1,
            diagnostics);

        Assert.Equal(2, outcomes.Count); // deduped by inode
        Assert.Same(agent, outcomes[0].Namespace);
        Assert.IsType<InvalidOperationException>(outcomes[0].Error);
        Assert.False(outcomes[0].NotEntered);
        NetworkNamespaceException notEntered = Assert.IsType<NetworkNamespaceException>(outcomes[1].Error);
        Assert.True(outcomes[1].NotEntered);
        Assert.Contains("net:[12345]", notEntered.Message, StringComparison.Ordinal);
        Assert.Equal(1, diagnostics.Get(NetworkNamespaceCollector.VanishedCounter));
        Assert.Equal(1, diagnostics.Get(NetworkNamespaceCollector.FailedCounter));
        Assert.Contains(diagnostics.Warnings, w => w.Contains("boom", StringComparison.Ordinal));
    }
}
