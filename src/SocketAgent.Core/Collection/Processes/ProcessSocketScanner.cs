using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using SocketAgent.Model;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// Maps socket inodes to the processes holding them by walking every <c>/proc/&lt;pid&gt;/fd</c>, as netstat -p and
/// ss -p do, but cheaply (see <see cref="FdTableWalker"/>: getdents64 and readlinkat relative to the open
/// directory, no path strings, work shared among the CPUs), then reading the details of each holder once.
/// </summary>
internal sealed class ProcessSocketScanner
{
    /// <summary>Counter: processes that exited between listing /proc and reading them (normal, not an error).</summary>
    public const string VanishedCounter = "processes.vanished";

    /// <summary>Counter: processes whose fd table could not be read (another user's, without root / CAP_SYS_PTRACE).</summary>
    public const string DeniedCounter = "processes.denied";

    /// <summary>Counter: fd directories that failed for a reason other than exit or permission.</summary>
    public const string FailedCounter = "processes.failed";

    private const int DirentBufferSize = 32 * 1024;

    private readonly string _rootPath;
    private readonly ProcessInfoReader _infoReader;
    private readonly int _degreeOfParallelism;

    /// <param name="rootPath">The proc mount; tests point it elsewhere.</param>
    /// <param name="infoReader">Reads the details of the processes found; shares its user-name cache across scans.</param>
    /// <param name="degreeOfParallelism">Threads to use; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    public ProcessSocketScanner(string rootPath = "/proc", ProcessInfoReader? infoReader = null, int degreeOfParallelism = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(degreeOfParallelism);
        _rootPath = rootPath;
        _infoReader = infoReader ?? new ProcessInfoReader(rootPath);
        _degreeOfParallelism = degreeOfParallelism == 0 ? Environment.ProcessorCount : degreeOfParallelism;
    }

    /// <summary>
    /// Finds the holders of every socket, or only of <paramref name="wantedInodes"/> when given; process details
    /// (cmdline, exe, …) are read once per process that holds at least one wanted socket. Exited processes and
    /// unreadable fd tables are counted in <paramref name="diagnostics"/>, never thrown.
    /// </summary>
    public SocketOwners Scan(IReadOnlySet<ulong>? wantedInodes, CollectionDiagnostics diagnostics)
    {
        using FdTableScan? walked = Walk(diagnostics);
        return walked is null ? SocketOwners.Empty : Resolve(walked, wantedInodes, diagnostics);
    }

    /// <summary>
    /// The first half of <see cref="Scan"/>: lists the processes and walks their fd tables, recording every socket fd
    /// (<see cref="Resolve"/> applies the wanted inodes). A one-shot view runs it while the sockets are dumped, as ss
    /// does, since which sockets are wanted is not known yet; null when the proc mount cannot be opened (warned).
    /// </summary>
    public FdTableScan? Walk(CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);

        int rootFd = ProcFs.OpenDirectory(_rootPath);
        if (rootFd < 0)
        {
            diagnostics.WarnOnce("processes.proc_unavailable",
                $"Cannot open {_rootPath} ({Marshal.GetPInvokeErrorMessage(-rootFd)}): sockets are not attributed to processes.");
            return null;
        }

        try
        {
            int[] pids = ListPids(rootFd);
            return new FdTableScan(rootFd, pids.Length == 0 ? [] : FdTableWalker.Walk(rootFd, pids, _degreeOfParallelism));
        }
        catch
        {
            Interop.Sys.Close(rootFd);
            throw;
        }
    }

    /// <summary>
    /// The second half of <see cref="Scan"/>: the holders of <paramref name="wantedInodes"/> (every socket the walk saw
    /// when null), with the details of each holder read once. Exited processes and unreadable fd tables are counted in
    /// <paramref name="diagnostics"/>, never thrown.
    /// </summary>
    public SocketOwners Resolve(FdTableScan walked, IReadOnlySet<ulong>? wantedInodes, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(walked);
        ArgumentNullException.ThrowIfNull(diagnostics);
        FdTableWalker.Worker[] workers = walked.Workers;
        if (workers.Length == 0)
        {
            return SocketOwners.Empty;
        }

        int scanned = 0, denied = 0, vanished = 0, failed = 0, hitCount = 0;
        foreach (FdTableWalker.Worker worker in workers)
        {
            scanned += worker.Listed - worker.DeniedAfterListing;
            denied += worker.Denied;
            vanished += worker.Vanished;
            failed += worker.Failed;
            hitCount += worker.Hits.Count;
        }

        Dictionary<int, ProcessInfo> infos = ReadProcessInfos(walked.RootFd, workers, wantedInodes, ref vanished);
        Dictionary<ulong, ProcessInfo[]> byInode = Group(workers, infos, hitCount, wantedInodes);

        if (vanished > 0)
        {
            diagnostics.Count(VanishedCounter, vanished);
        }
        if (denied > 0)
        {
            diagnostics.Count(DeniedCounter, denied);
        }
        if (failed > 0)
        {
            diagnostics.Count(FailedCounter, failed);
        }
        return new SocketOwners(byInode, scanned, denied);
    }

    private Dictionary<int, ProcessInfo> ReadProcessInfos(int rootFd, FdTableWalker.Worker[] workers, IReadOnlySet<ulong>? wanted, ref int vanished)
    {
        var holderSet = new HashSet<int>();
        foreach (FdTableWalker.Worker worker in workers)
        {
            foreach (SocketHit hit in worker.Hits)
            {
                if (wanted is null || wanted.Contains(hit.Inode))
                {
                    holderSet.Add(hit.Pid);
                }
            }
        }

        int[] holders = [.. holderSet];
        var results = new ProcessInfo?[holders.Length];
        RunAll(Math.Min(_degreeOfParallelism, holders.Length), worker =>
        {
            // Strided split: the per-process cost is about even, unlike fd tables.
            for (int i = worker; i < holders.Length; i += Math.Min(_degreeOfParallelism, holders.Length))
            {
                results[i] = _infoReader.Read(rootFd, holders[i]);
            }
        });

        var infos = new Dictionary<int, ProcessInfo>(holders.Length);
        for (int i = 0; i < holders.Length; i++)
        {
            if (results[i] is { } info)
            {
                infos.Add(holders[i], info);
            }
            else
            {
                // Held a socket a moment ago and has exited since: its sockets are most likely gone too.
                vanished++;
            }
        }
        return infos;
    }

    private static Dictionary<ulong, ProcessInfo[]> Group(
        FdTableWalker.Worker[] workers, Dictionary<int, ProcessInfo> infos, int hitCount, IReadOnlySet<ulong>? wanted)
    {
        var byInode = new Dictionary<ulong, ProcessInfo[]>(hitCount);
        foreach (FdTableWalker.Worker worker in workers)
        {
            foreach (SocketHit hit in worker.Hits)
            {
                if ((wanted is not null && !wanted.Contains(hit.Inode)) || !infos.TryGetValue(hit.Pid, out ProcessInfo? info))
                {
                    continue;
                }

                ref ProcessInfo[]? owners = ref CollectionsMarshal.GetValueRefOrAddDefault(byInode, hit.Inode, out bool exists);
                if (!exists)
                {
                    owners = [info];
                    continue;
                }

                // Shared after fork() (or dup'ed within one process): a handful of holders at most, kept sorted by pid.
                int position = 0;
                while (position < owners!.Length && owners[position].Pid < hit.Pid)
                {
                    position++;
                }
                if (position < owners.Length && owners[position].Pid == hit.Pid)
                {
                    continue;
                }
                var grown = new ProcessInfo[owners.Length + 1];
                owners.AsSpan(0, position).CopyTo(grown);
                grown[position] = info;
                owners.AsSpan(position).CopyTo(grown.AsSpan(position + 1));
                owners = grown;
            }
        }
        return byInode;
    }

    /// <summary>Runs <paramref name="body"/>(0 … count-1) with one index on the calling thread and the rest on the pool.</summary>
    private static void RunAll(int count, Action<int> body)
    {
        if (count <= 1)
        {
            if (count == 1)
            {
                body(0);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, body);
    }

    /// <summary>The numeric entries of the proc root (thread-group leaders; tasks live under /proc/pid/task), ascending.</summary>
    internal static unsafe int[] ListPids(int rootFd)
    {
        var pids = new List<int>(512);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DirentBufferSize);
        try
        {
            fixed (byte* b = buffer)
            {
                while (true)
                {
                    nint n = Interop.Sys.GetDents64(rootFd, b, (nuint)buffer.Length);
                    if (n <= 0)
                    {
                        break;
                    }
                    foreach (DirentRecord entry in new DirentRecords(new ReadOnlySpan<byte>(b, (int)n)))
                    {
                        ReadOnlySpan<byte> name = entry.Name;
                        if (entry.Type is DirentRecords.DT_DIR or DirentRecords.DT_UNKNOWN
                            && name.Length > 0 && name[0] is >= (byte)'1' and <= (byte)'9'
                            && Utf8Parser.TryParse(name, out int pid, out int consumed) && consumed == name.Length && pid > 0)
                        {
                            pids.Add(pid);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        int[] result = [.. pids];
        Array.Sort(result);
        return result;
    }
}
