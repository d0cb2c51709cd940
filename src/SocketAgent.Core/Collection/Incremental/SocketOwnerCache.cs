using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;

namespace SocketAgent.Collection.Incremental;

/// <summary>
/// Attributes sockets to processes cycle after cycle, reading /proc only for what is new. It remembers, per process
/// (identified by pid and start time, so a reused pid is a new process), which fd numbers held which socket inode,
/// and each process's details (command line etc.), read once in its life.
/// </summary>
/// <remarks>
/// <para>A cycle whose socket table has no inode the cache has not seen does no /proc work at all and returns the
/// previous <see cref="SocketOwners"/> (or a copy without the vanished inodes). When new inodes appear, every fd
/// directory is listed (getdents64 is cheap) but only fds whose cached socket is gone from the table, or that the
/// cache does not know, are resolved with readlinkat (the expensive part): an fd number reused for another socket
/// is therefore re-read as soon as its old socket has left the table. A cached fd → inode entry is trusted only
/// while that inode is in the current table. What this cannot see (an fd number closed and reused while its old
/// socket lives on through another descriptor) is corrected by the periodic full re-read,
/// <see cref="IncrementalCollectorOptions.FullDumpInterval"/>; inodes no process holds are looked for again then too.</para>
/// <para>Not thread-safe, single-threaded: call it from the agent's own thread, not a namespace thread. Inodes are
/// host-wide, so one instance serves every namespace.</para>
/// </remarks>
internal sealed class SocketOwnerCache
{
    private const int DirentBufferSize = 32 * 1024;
    private const int LinkBufferSize = 64;

    private readonly IncrementalCollectorOptions _options;
    private readonly ProcessInfoReader _infoReader;
    private readonly Dictionary<int, CachedProcess> _processes = [];
    private HashSet<ulong> _unowned = [];
    private Dictionary<ulong, ProcessInfo[]> _byInode = [];
    private SocketOwners _owners = SocketOwners.Empty;
    private long? _lastResync;

    public SocketOwnerCache(IncrementalCollectorOptions? options = null, ProcessInfoReader? infoReader = null)
    {
        _options = options ?? new IncrementalCollectorOptions();
        _infoReader = infoReader ?? new ProcessInfoReader(_options.ProcRoot);
    }

    /// <summary>Cycles that needed no /proc work, walks that resolved only unknown fds, and full re-reads.</summary>
    public long Unchanged { get; private set; }
    public long Walks { get; private set; }
    public long Resyncs { get; private set; }

    /// <summary>readlinkat calls of the last walk (0 after an unchanged cycle).</summary>
    public int LastLinksRead { get; private set; }

    public TimeSpan LastAttributionTime { get; private set; }

    /// <summary>Processes the cache follows.</summary>
    public int ProcessesTracked => _processes.Count;

    /// <summary>Makes the next call re-read every fd table.</summary>
    public void RequestResync() => _lastResync = null;

    public SocketOwners Resolve(IReadOnlyList<SocketRecord> sockets, CollectionDiagnostics diagnostics) =>
        Resolve([sockets], diagnostics);

    /// <summary>The holders of every socket in <paramref name="socketLists"/> (one list per namespace).</summary>
    public SocketOwners Resolve(IReadOnlyList<IReadOnlyList<SocketRecord>> socketLists, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(socketLists);
        ArgumentNullException.ThrowIfNull(diagnostics);
        long start = Stopwatch.GetTimestamp();
        try
        {
            return ResolveCore(socketLists, diagnostics);
        }
        finally
        {
            LastAttributionTime = Stopwatch.GetElapsedTime(start);
        }
    }

    private SocketOwners ResolveCore(IReadOnlyList<IReadOnlyList<SocketRecord>> socketLists, CollectionDiagnostics diagnostics)
    {
        long now = _options.TimeProvider.GetTimestamp();
        bool resync = _lastResync is not { } last
            || (_options.FullDumpInterval != Timeout.InfiniteTimeSpan && _options.TimeProvider.GetElapsedTime(last, now) >= _options.FullDumpInterval);

        if (!resync)
        {
            // The common case: every inode is known (owned or searched for in vain). Counting them also tells
            // whether some left: then the owners are copied without them, still without touching /proc.
            int known = 0;
            bool fresh = false;
            foreach (IReadOnlyList<SocketRecord> sockets in socketLists)
            {
                foreach (SocketRecord socket in sockets)
                {
                    if (socket.Inode == 0)
                    {
                        continue;
                    }
                    if (_byInode.ContainsKey(socket.Inode) || _unowned.Contains(socket.Inode))
                    {
                        known++;
                    }
                    else
                    {
                        fresh = true;
                        break;
                    }
                }
            }
            if (!fresh)
            {
                LastLinksRead = 0;
                Unchanged++;
                if (known != _byInode.Count + _unowned.Count)
                {
                    Prune(LiveInodes(socketLists));
                }
                return _owners;
            }
        }

        HashSet<ulong> live = LiveInodes(socketLists);
        Walk(live, trustCache: !resync, diagnostics);
        if (resync)
        {
            _lastResync = now;
            Resyncs++;
        }
        else
        {
            Walks++;
        }
        return _owners;
    }

    private static HashSet<ulong> LiveInodes(IReadOnlyList<IReadOnlyList<SocketRecord>> socketLists)
    {
        int count = 0;
        foreach (IReadOnlyList<SocketRecord> sockets in socketLists)
        {
            count += sockets.Count;
        }
        var live = new HashSet<ulong>(count);
        foreach (IReadOnlyList<SocketRecord> sockets in socketLists)
        {
            foreach (SocketRecord socket in sockets)
            {
                if (socket.Inode != 0)
                {
                    live.Add(socket.Inode);
                }
            }
        }
        return live;
    }

    /// <summary>Drops vanished inodes from the owners (a new object: the previous one may still be in use downstream).</summary>
    private void Prune(HashSet<ulong> live)
    {
        var byInode = new Dictionary<ulong, ProcessInfo[]>(_byInode.Count);
        foreach (KeyValuePair<ulong, ProcessInfo[]> pair in _byInode)
        {
            if (live.Contains(pair.Key))
            {
                byInode.Add(pair.Key, pair.Value);
            }
        }
        _unowned.IntersectWith(live);
        _byInode = byInode;
        _owners = new SocketOwners(byInode, _owners.ProcessesScanned, _owners.ProcessesDenied);
    }

    private void Walk(HashSet<ulong> live, bool trustCache, CollectionDiagnostics diagnostics)
    {
        int rootFd = ProcFs.OpenDirectory(_options.ProcRoot);
        if (rootFd < 0)
        {
            diagnostics.WarnOnce("processes.proc_unavailable",
                $"Cannot open {_options.ProcRoot}: sockets are not attributed to processes.");
            _byInode = [];
            _unowned = live;
            _owners = SocketOwners.Empty;
            return;
        }

        var counts = new WalkCounts();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DirentBufferSize);
        try
        {
            int[] pids = ProcessSocketScanner.ListPids(rootFd); // ascending
            RemoveExited(pids);

            foreach (int pid in pids)
            {
                WalkProcess(rootFd, pid, live, trustCache, buffer, ref counts);
            }

            BuildOwners(rootFd, pids, live, ref counts);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interop.Sys.Close(rootFd);
        }

        LastLinksRead = counts.LinksRead;
        if (counts.Vanished > 0)
        {
            diagnostics.Count(ProcessSocketScanner.VanishedCounter, counts.Vanished);
        }
        if (counts.Denied > 0)
        {
            diagnostics.Count(ProcessSocketScanner.DeniedCounter, counts.Denied);
        }
        if (counts.Failed > 0)
        {
            diagnostics.Count(ProcessSocketScanner.FailedCounter, counts.Failed);
        }
    }

    private void RemoveExited(int[] pids)
    {
        if (_processes.Count == 0)
        {
            return;
        }
        var present = new HashSet<int>(pids);
        List<int>? gone = null;
        foreach (int pid in _processes.Keys)
        {
            if (!present.Contains(pid))
            {
                (gone ??= []).Add(pid);
            }
        }
        if (gone is not null)
        {
            foreach (int pid in gone)
            {
                _processes.Remove(pid);
            }
        }
    }

    private unsafe void WalkProcess(int rootFd, int pid, HashSet<ulong> live, bool trustCache, byte[] buffer, ref WalkCounts counts)
    {
        ulong? startTicks = ReadStartTicks(rootFd, pid);
        if (startTicks is null)
        {
            _processes.Remove(pid);
            counts.Vanished++;
            return;
        }
        if (!_processes.TryGetValue(pid, out CachedProcess? process) || process.StartTicks != startTicks.Value)
        {
            // New, or the pid was reused by another process: nothing of the old one may be trusted.
            process = new CachedProcess(startTicks.Value);
            _processes[pid] = process;
        }

        byte* path = stackalloc byte[24];
        pid.TryFormat(new Span<byte>(path, 24), out int written, provider: CultureInfo.InvariantCulture);
        "/fd\0"u8.CopyTo(new Span<byte>(path + written, 4));
        int fdDir = ProcFs.OpenDirectory(rootFd, path);
        if (fdDir < 0)
        {
            CountFailure(-fdDir, process, ref counts);
            return;
        }

        var sockets = new Dictionary<int, ulong>(process.SocketFds.Count);
        bool denied = false;
        byte* link = stackalloc byte[LinkBufferSize];
        try
        {
            fixed (byte* b = buffer)
            {
                while (!denied)
                {
                    nint n = Interop.Sys.GetDents64(fdDir, b, (nuint)buffer.Length);
                    if (n <= 0)
                    {
                        break;
                    }
                    foreach (DirentRecord entry in new DirentRecords(new ReadOnlySpan<byte>(b, (int)n)))
                    {
                        byte* name = b + entry.NameOffset;
                        ReadOnlySpan<byte> nameSpan = entry.Name;
                        if (!Utf8Parser.TryParse(nameSpan, out int fd, out int consumed) || consumed != nameSpan.Length)
                        {
                            continue; // "." and ".."
                        }

                        if (trustCache && process.SocketFds.TryGetValue(fd, out ulong cached) && live.Contains(cached))
                        {
                            sockets[fd] = cached;
                            continue;
                        }

                        counts.LinksRead++;
                        int length = ProcFs.ReadLink(fdDir, name, new Span<byte>(link, LinkBufferSize));
                        if (length is -Interop.Sys.EACCES or -Interop.Sys.EPERM)
                        {
                            denied = true;
                            break;
                        }
                        if (length > 0 && SocketLinkParser.TryParseInode(new ReadOnlySpan<byte>(link, length), out ulong inode))
                        {
                            sockets[fd] = inode;
                        }
                    }
                }
            }
        }
        finally
        {
            Interop.Sys.Close(fdDir);
        }

        if (denied)
        {
            CountFailure(Interop.Sys.EACCES, process, ref counts);
            return;
        }
        process.SocketFds = sockets;
        process.Denied = false;
        counts.Scanned++;
    }

    private static void CountFailure(int errno, CachedProcess process, ref WalkCounts counts)
    {
        process.SocketFds = [];
        switch (errno)
        {
            case Interop.Sys.ENOENT or Interop.Sys.ESRCH:
                counts.Vanished++;
                break;
            case Interop.Sys.EACCES or Interop.Sys.EPERM:
                process.Denied = true;
                counts.Denied++;
                break;
            default:
                counts.Failed++;
                break;
        }
    }

    /// <summary>Regroups the cache by inode: holders in ascending pid order, details read once per process.</summary>
    private void BuildOwners(int rootFd, int[] pids, HashSet<ulong> live, ref WalkCounts counts)
    {
        var byInode = new Dictionary<ulong, ProcessInfo[]>(live.Count);
        foreach (int pid in pids)
        {
            if (!_processes.TryGetValue(pid, out CachedProcess? process) || process.SocketFds.Count == 0)
            {
                continue;
            }
            ProcessInfo? info = null;
            foreach (ulong inode in process.SocketFds.Values)
            {
                if (!live.Contains(inode))
                {
                    continue;
                }
                info ??= process.Info ??= _infoReader.Read(rootFd, pid);
                if (info is null)
                {
                    counts.Vanished++;
                    break; // exited just now: its sockets are going too
                }
                if (!byInode.TryGetValue(inode, out ProcessInfo[]? owners))
                {
                    byInode.Add(inode, [info]);
                }
                else if (owners[^1].Pid != pid) // pids ascend, so a dup'ed fd repeats the last holder
                {
                    byInode[inode] = [.. owners, info];
                }
            }
        }

        var unowned = new HashSet<ulong>(live);
        unowned.ExceptWith(byInode.Keys);
        _unowned = unowned;
        _byInode = byInode;
        _owners = new SocketOwners(byInode, counts.Scanned, counts.Denied);
    }

    private static ulong? ReadStartTicks(int rootFd, int pid)
    {
        Span<byte> name = stackalloc byte[24];
        pid.TryFormat(name, out int written, provider: CultureInfo.InvariantCulture);
        "/stat\0"u8.CopyTo(name[written..]);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            int length = ProcFs.ReadFile(rootFd, name[..(written + 6)], ref buffer);
            return length > 0 && ProcStatParser.TryParse(buffer.AsSpan(0, length), out ProcStat stat) ? stat.StartTimeTicks : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private struct WalkCounts
    {
        public int Scanned, Denied, Vanished, Failed, LinksRead;
    }

    /// <summary>What the cache knows of one process (one pid + start time).</summary>
    private sealed class CachedProcess(ulong startTicks)
    {
        public ulong StartTicks { get; } = startTicks;

        /// <summary>fd number → socket inode, as of the last walk (non-socket fds are not kept: their numbers get reused).</summary>
        public Dictionary<int, ulong> SocketFds { get; set; } = [];

        /// <summary>Read once, the first time the process holds a listed socket.</summary>
        public ProcessInfo? Info { get; set; }

        public bool Denied { get; set; }
    }
}
