using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Processes;

public class ProcessSocketScannerTests
{
    private static FakeProcRoot CreateRoot()
    {
        var root = new FakeProcRoot();
        // 100 and 200 share 777 after a fork; 100 also has it dup'ed to fd 7.
        root.AddProcess(200, FakeProcRoot.Stat(200, "worker", 100, 10), "server\0--worker\0"u8.ToArray(), "/usr/bin/server",
            new Dictionary<int, string> { [0] = "/dev/null", [3] = "socket:[777]", [4] = "pipe:[12]" });
        root.AddProcess(100, FakeProcRoot.Stat(100, "server", 1, 5), "server\0"u8.ToArray(), "/usr/bin/server",
            new Dictionary<int, string> { [3] = "socket:[777]", [5] = "socket:[888]", [6] = "anon_inode:[eventfd]", [7] = "socket:[777]" });
        // Gone between the /proc listing and the fd walk: no fd directory.
        root.AddProcess(300, FakeProcRoot.Stat(300, "gone", 1, 5), [], exe: null, fds: null);
        // Its fd table was read, then the process went away before its details were: the holder is dropped.
        root.AddProcess(400, "corrupt", [], exe: null, new Dictionary<int, string> { [3] = "socket:[999]" });
        // Not processes.
        Directory.CreateDirectory(Path.Combine(root.Path, "net"));
        File.CreateSymbolicLink(Path.Combine(root.Path, "self"), "100");
        return root;
    }

    [Fact]
    public void MapsEverySocketToAllHoldersLowestPidFirst()
    {
        using FakeProcRoot root = CreateRoot();
        var diagnostics = new CollectionDiagnostics();

        SocketOwners owners = new ProcessSocketScanner(root.Path).Scan(null, diagnostics);

        Assert.Equal(2, owners.Count);
        Assert.Equal([100, 200], owners.Lookup(777).Select(p => p.Pid));
        Assert.Equal([100], owners.Lookup(888).Select(p => p.Pid));
        Assert.Empty(owners.Lookup(999));
        Assert.Empty(owners.Lookup(12));
        Assert.Same(owners.Lookup(777)[0], owners.Lookup(888)[0]); // details are read once per process
        Assert.Equal(["server", "--worker"], owners.Lookup(777)[1].Args);
        Assert.Equal(100, owners.Lookup(777)[1].ParentPid);
        Assert.Equal(3, owners.ProcessesScanned); // 100, 200, 400
        Assert.Equal(0, owners.ProcessesDenied);
        Assert.Equal(2, diagnostics.Get(ProcessSocketScanner.VanishedCounter)); // 300 before, 400 after the fd walk
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void OnlyWantedInodesAreMappedAndOnlyTheirHoldersRead(int threads)
    {
        using FakeProcRoot root = CreateRoot();
        var diagnostics = new CollectionDiagnostics();

        SocketOwners owners = new ProcessSocketScanner(root.Path, degreeOfParallelism: threads).Scan(new HashSet<ulong> { 888, 4242 }, diagnostics);

        Assert.Equal(1, owners.Count);
        Assert.Equal([100], owners.Lookup(888).Select(p => p.Pid));
        Assert.Empty(owners.Lookup(777));
        // 400 (corrupt stat) holds no wanted socket, so its details were never read: only 300 vanished.
        Assert.Equal(1, diagnostics.Get(ProcessSocketScanner.VanishedCounter));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_walk_made_before_the_sockets_are_known_resolves_only_the_wanted_ones(int threads)
    {
        // --once walks the fd tables while the sockets are dumped: every socket fd is recorded, the wanted set comes after.
        using FakeProcRoot root = CreateRoot();
        var diagnostics = new CollectionDiagnostics();
        var scanner = new ProcessSocketScanner(root.Path, degreeOfParallelism: threads);

        using FdTableScan? walked = scanner.Walk(diagnostics);
        Assert.NotNull(walked);
        SocketOwners owners = scanner.Resolve(walked, new HashSet<ulong> { 888, 4242 }, diagnostics);

        Assert.Equal(1, owners.Count);
        Assert.Equal([100], owners.Lookup(888).Select(p => p.Pid));
        Assert.Empty(owners.Lookup(777));
        // As with the wanted set given up front: 400 holds no wanted socket, so its details were never read.
        Assert.Equal(1, diagnostics.Get(ProcessSocketScanner.VanishedCounter));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void BigFdTablesSpreadOverManyBatchesAreFullyResolved(int threads)
    {
        // 3,000 entries need about ten getdents64 batches; with several threads they are resolved by all of them.
        using var root = new FakeProcRoot();
        var big = new Dictionary<int, string>();
        for (int fd = 0; fd < 3000; fd++)
        {
            big[fd] = fd % 3 == 0 ? "/dev/null" : $"socket:[{100_000 + fd}]";
        }
        root.AddProcess(10, FakeProcRoot.Stat(10, "big", 1, 1), "big\0"u8.ToArray(), "/usr/bin/big", big);
        for (int pid = 20; pid < 40; pid++)
        {
            root.AddProcess(pid, FakeProcRoot.Stat(pid, "small", 10, 1), "small\0"u8.ToArray(), "/usr/bin/small",
                new Dictionary<int, string> { [3] = $"socket:[{pid}]", [4] = "socket:[100001]" });
        }
        var scanner = new ProcessSocketScanner(root.Path, degreeOfParallelism: threads);

        for (int round = 0; round < 5; round++)
        {
            var diagnostics = new CollectionDiagnostics();
            SocketOwners owners = scanner.Scan(null, diagnostics);

            Assert.Equal(2000 + 20, owners.Count);
            Assert.Equal(21, owners.ProcessesScanned);
            Assert.Empty(diagnostics.Counters);
            Assert.Equal([10, .. Enumerable.Range(20, 20)], owners.Lookup(100_001).Select(p => p.Pid));
            Assert.Equal("big", Assert.Single(owners.Lookup(102_999)).Name);
            Assert.Empty(owners.Lookup(103_000));
            Assert.Equal("small", Assert.Single(owners.Lookup(33)).Name);
        }
    }

    [Fact]
    public void MissingRootWarnsAndReturnsEmpty()
    {
        var diagnostics = new CollectionDiagnostics();

        SocketOwners owners = new ProcessSocketScanner("/nonexistent-proc").Scan(null, diagnostics);

        Assert.Equal(0, owners.Count);
        Assert.Single(diagnostics.Warnings);
    }

    [Fact]
    public void AttributesThisProcessSockets()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var unix = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        ulong tcpInode = InodeOf(Environment.ProcessId, (int)listener.SafeHandle.DangerousGetHandle());
        ulong unixInode = InodeOf(Environment.ProcessId, (int)unix.SafeHandle.DangerousGetHandle());

        SocketOwners all = new ProcessSocketScanner().Scan(null, new CollectionDiagnostics());
        SocketOwners wanted = new ProcessSocketScanner().Scan(new HashSet<ulong> { tcpInode }, new CollectionDiagnostics());

        Assert.Equal([Environment.ProcessId], all.Lookup(tcpInode).Select(p => p.Pid));
        Assert.Equal([Environment.ProcessId], all.Lookup(unixInode).Select(p => p.Pid));
        Assert.Equal([Environment.ProcessId], wanted.Lookup(tcpInode).Select(p => p.Pid));
        Assert.Empty(wanted.Lookup(unixInode));
        Assert.Equal(Environment.ProcessPath, all.Lookup(tcpInode)[0].Executable);
    }

    [Fact]
    public void AttributesASocketSharedByAForkedChildToBothWithFullDetails()
    {
        string[] extraArgs = ["arg with spaces", "it's \"quoted\"", "ünïcødé ✓ $HOME"];
        using var python = ForkingPython.Start(extraArgs);
        ulong tcpInode = InodeOf(python.ChildPid, python.ListenerFd);
        ulong unixInode = InodeOf(python.ChildPid, python.UnixFd);
        Assert.Equal(tcpInode, InodeOf(python.ParentPid, python.ListenerFd));
        var diagnostics = new CollectionDiagnostics();

        SocketOwners owners = new ProcessSocketScanner().Scan(new HashSet<ulong> { tcpInode, unixInode }, diagnostics);

        IReadOnlyList<ProcessInfo> holders = owners.Lookup(tcpInode);
        Assert.Equal(new[] { python.ParentPid, python.ChildPid }.Order(), holders.Select(p => p.Pid));
        Assert.Equal(holders.Select(p => p.Pid), owners.Lookup(unixInode).Select(p => p.Pid));

        string executable = new FileInfo(ForkingPython.Interpreter).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        string expectedCommandLine = ForkingPython.Interpreter + " -c '" + ForkingPython.Script.Replace("'", @"'\''") +
            @"' 'arg with spaces' 'it'\''s ""quoted""' 'ünïcødé ✓ $HOME'";
        Assert.True(ProcStatusParser.TryParseRealUid(File.ReadAllBytes("/proc/self/status"), out uint myUid));
        foreach (ProcessInfo holder in holders)
        {
            Assert.Equal([ForkingPython.Interpreter, "-c", ForkingPython.Script, .. extraArgs], holder.Args);
            Assert.Equal(expectedCommandLine, holder.CommandLine);
            Assert.Equal(executable, holder.Executable);
            Assert.Equal(holder.Pid == python.ParentPid ? Environment.ProcessId : python.ParentPid, holder.ParentPid);
            Assert.Equal(myUid, holder.Uid);
            Assert.Equal(new UserNameResolver().GetUserName(myUid), holder.UserName);
            Assert.NotNull(holder.UserName);
            Assert.InRange(holder.StartTime!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(5));
            Assert.StartsWith("python3", holder.Name);
        }
    }

    /// <summary>The inode of the socket behind <c>/proc/pid/fd/fd</c>.</summary>
    private static ulong InodeOf(int pid, int fd)
    {
        string target = File.ResolveLinkTarget($"/proc/{pid}/fd/{fd}", returnFinalTarget: false)!.FullName;
        string name = Path.GetFileName(target);
        Assert.True(SocketLinkParser.TryParseInode(System.Text.Encoding.ASCII.GetBytes(name), out ulong inode), target);
        return inode;
    }
}
