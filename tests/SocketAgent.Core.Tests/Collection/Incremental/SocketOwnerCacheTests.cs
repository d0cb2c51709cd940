using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Incremental;
using SocketAgent.Model;
using SocketAgent.Tests.Collection.Processes;

namespace SocketAgent.Tests.Collection.Incremental;

public sealed class SocketOwnerCacheTests : IDisposable
{
    private readonly FakeProcRoot _root = new();
    private readonly CollectionDiagnostics _diagnostics = new();
    private readonly SocketOwnerCache _cache;

    public SocketOwnerCacheTests()
    {
        // 100 holds 777 (fd 3, dup'ed to 7) and 888 (fd 5); 200, forked from it, holds 777 too.
        AddProcess(100, startTicks: 5, "server\0"u8.ToArray(), new() { [0] = "/dev/null", [3] = "socket:[777]", [5] = "socket:[888]", [7] = "socket:[777]" });
        AddProcess(200, startTicks: 10, "server\0--worker\0"u8.ToArray(), new() { [3] = "socket:[777]", [4] = "pipe:[12]" });
        _cache = new SocketOwnerCache(new IncrementalCollectorOptions { ProcRoot = _root.Path, FullDumpInterval = Timeout.InfiniteTimeSpan });
    }

    public void Dispose() => _root.Dispose();

    private void AddProcess(int pid, ulong startTicks, byte[] cmdline, Dictionary<int, string> fds) =>
        _root.AddProcess(pid, FakeProcRoot.Stat(pid, "server", 1, startTicks), cmdline, "/usr/bin/server", fds);

    private void SetFd(int pid, int fd, string? target)
    {
        string link = Path.Combine(_root.Path, pid.ToString(), "fd", fd.ToString());
        File.Delete(link);
        if (target is not null)
        {
            File.CreateSymbolicLink(link, target);
        }
    }

    private void RemoveProcess(int pid) => Directory.Delete(Path.Combine(_root.Path, pid.ToString()), recursive: true);

    private static List<SocketRecord> Sockets(params ulong[] inodes) =>
        [.. inodes.Select(i => new SocketRecord { Transport = Transport.Tcp, Family = AddressFamily.InterNetwork, Inode = i })];

    private static int[] Pids(SocketOwners owners, ulong inode) => [.. owners.Lookup(inode).Select(p => p.Pid)];

    [Fact]
    public void FirstCall_ReadsEveryFdTable()
    {
        SocketOwners owners = _cache.Resolve(Sockets(777, 888, 999), _diagnostics);

        Assert.Equal([100, 200], Pids(owners, 777));
        Assert.Equal([100], Pids(owners, 888));
        Assert.Empty(owners.Lookup(999)); // held by nobody we can see
        Assert.Equal(["server", "--worker"], owners.Lookup(777)[1].Args);
        Assert.Equal(6, _cache.LastLinksRead);
        Assert.Equal(1, _cache.Resyncs);
    }

    [Fact]
    public void NothingNew_TouchesNoProcAndReturnsTheSameOwners()
    {
        SocketOwners first = _cache.Resolve(Sockets(777, 888, 999), _diagnostics);
        RemoveProcess(200); // not looked at: nothing new to attribute

        SocketOwners second = _cache.Resolve(Sockets(888, 777, 999), _diagnostics);

        Assert.Same(first, second);
        Assert.Equal(0, _cache.LastLinksRead);
        Assert.Equal(1, _cache.Unchanged);
        Assert.Equal(0, _cache.Walks);
    }

    [Fact]
    public void VanishedInodes_AreDroppedWithoutAWalk_InANewOwnersObject()
    {
        SocketOwners first = _cache.Resolve(Sockets(777, 888), _diagnostics);

        SocketOwners second = _cache.Resolve(Sockets(777), _diagnostics);

        Assert.NotSame(first, second);
        Assert.Equal([100], Pids(first, 888)); // the previous cycle's view is left alone for the diff downstream
        Assert.Empty(second.Lookup(888));
        Assert.Equal([100, 200], Pids(second, 777));
        Assert.Equal(0, _cache.Walks);
    }

    [Fact]
    public void NewFd_OnlyUnknownAndNonSocketFdsAreRead()
    {
        SocketOwners first = _cache.Resolve(Sockets(777, 888), _diagnostics);
        SetFd(200, 9, "socket:[999]");

        SocketOwners second = _cache.Resolve(Sockets(777, 888, 999), _diagnostics);

        Assert.Equal([200], Pids(second, 999));
        Assert.Equal([100, 200], Pids(second, 777));
        // Read: 100's fd 0, 200's fd 4 (not sockets: their numbers get reused) and the new fd 9; cached sockets are trusted.
        Assert.Equal(3, _cache.LastLinksRead);
        Assert.Equal(1, _cache.Walks);
        Assert.Same(first.Lookup(888)[0], second.Lookup(888)[0]); // details are read once per process
    }

    [Fact]
    public void FdNumberReusedForAnotherSocket_GivesTheNewOwnerAndForgetsTheOld()
    {
        _cache.Resolve(Sockets(777, 888), _diagnostics);
        // 100 closes 888 (fd 5) and its next socket, 999, gets fd 5 again.
        SetFd(100, 5, "socket:[999]");

        SocketOwners owners = _cache.Resolve(Sockets(777, 999), _diagnostics);

        Assert.Equal([100], Pids(owners, 999));
        Assert.Empty(owners.Lookup(888));
    }

    [Fact]
    public void FdNumberOfAFileReusedForASocket_IsFound()
    {
        _cache.Resolve(Sockets(777, 888), _diagnostics);
        SetFd(100, 0, "socket:[999]"); // was /dev/null

        SocketOwners owners = _cache.Resolve(Sockets(777, 888, 999), _diagnostics);

        Assert.Equal([100], Pids(owners, 999));
    }

    [Fact]
    public void PidReuse_IsANewProcess()
    {
        SocketOwners first = _cache.Resolve(Sockets(777, 888), _diagnostics);
        // 200 exits; a new process gets pid 200 (later start time) with a socket at the same fd number 3.
        RemoveProcess(200);
        AddProcess(200, startTicks: 99, "other\0--new\0"u8.ToArray(), new() { [3] = "socket:[555]" });

        SocketOwners owners = _cache.Resolve(Sockets(777, 888, 555), _diagnostics);

        Assert.Equal([100], Pids(owners, 777));   // the old 200's fd 3 is not trusted for the new 200
        Assert.Equal([200], Pids(owners, 555));
        Assert.Equal(["other", "--new"], owners.Lookup(555)[0].Args);
        Assert.NotSame(first.Lookup(777)[1], owners.Lookup(555)[0]);
    }

    [Fact]
    public void ProcessExit_RemovesItAsHolderAtTheNextWalk()
    {
        _cache.Resolve(Sockets(777, 888), _diagnostics);
        RemoveProcess(200);
        AddProcess(300, startTicks: 50, "client\0"u8.ToArray(), new() { [3] = "socket:[999]" });

        SocketOwners owners = _cache.Resolve(Sockets(777, 888, 999), _diagnostics);

        Assert.Equal([100], Pids(owners, 777));
        Assert.Equal([300], Pids(owners, 999));
        Assert.Equal(2, _cache.ProcessesTracked);
    }

    [Fact]
    public void RequestResync_RereadsEveryFd()
    {
        _cache.Resolve(Sockets(777, 888), _diagnostics);
        // What a walk cannot see: fd 7 (777 dup) now points to 999 while 777 lives on through fd 3.
        SetFd(100, 7, "socket:[999]");
        _cache.RequestResync();

        SocketOwners owners = _cache.Resolve(Sockets(777, 888, 999), _diagnostics);

        Assert.Equal([100], Pids(owners, 999));
        Assert.Equal(2, _cache.Resyncs);
        Assert.Equal(6, _cache.LastLinksRead);
    }

    [Fact]
    public void MissingProcRoot_AttributesNothing()
    {
        var cache = new SocketOwnerCache(new IncrementalCollectorOptions { ProcRoot = Path.Combine(_root.Path, "nope") });

        SocketOwners owners = cache.Resolve(Sockets(777), _diagnostics);

        Assert.Equal(0, owners.Count);
        Assert.NotEmpty(_diagnostics.Warnings);
    }
}
