using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Processes;

/// <summary>A socket descriptor found in a process's fd table.</summary>
internal readonly record struct SocketHit(ulong Inode, int Pid);

/// <summary>
/// Walks the <c>/proc/&lt;pid&gt;/fd</c> tables of many processes on several threads. A thread takes a pid, opens its
/// fd directory once and lists it with getdents64; each listed batch of entries is resolved with
/// <c>readlinkat(dirfd, name)</c>. When several threads run, batches go through a shared queue, so one process with
/// 100,000 descriptors is resolved by every thread rather than by whichever one took its pid.
/// </summary>
internal sealed class FdTableWalker
{
    // ~350 entries per batch (24–32 bytes each): small enough to spread a big table, large enough to keep queueing cheap.
    private const int BatchBufferSize = 8 * 1024;

    // "socket:[18446744073709551615]" is 29 bytes; a longer target is some file path and not a socket.
    private const int LinkBufferSize = 64;

    private readonly int _rootFd;
    private readonly int[] _pids;
    private readonly bool _shareBatches;
    private readonly ConcurrentQueue<FdBatch> _batches = new();
    private int _nextPid = -1;
    private int _activeListers;

    private FdTableWalker(int rootFd, int[] pids, bool shareBatches)
    {
        _rootFd = rootFd;
        _pids = pids;
        _shareBatches = shareBatches;
    }

    /// <summary>
    /// Walks the fd tables of <paramref name="pids"/> (names relative to <paramref name="rootFd"/>) on up to
    /// <paramref name="threads"/> threads, recording every socket fd: which sockets are wanted is the caller's to apply.
    /// </summary>
    public static Worker[] Walk(int rootFd, int[] pids, int threads)
    {
        int count = Math.Clamp(threads, 1, Math.Max(1, pids.Length));
        var walker = new FdTableWalker(rootFd, pids, shareBatches: count > 1);
        var workers = new Worker[count];
        for (int i = 0; i < count; i++)
        {
            workers[i] = new Worker(walker);
        }

        if (count == 1)
        {
            workers[0].Run();
        }
        else
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, i => workers[i].Run());
        }
        return workers;
    }

    /// <summary>One thread's share of the walk; its results are merged after the join, so they need no locks.</summary>
    internal sealed class Worker(FdTableWalker walker)
    {
        public List<SocketHit> Hits { get; } = new(256);

        /// <summary>Fd tables listed completely (before any permission failure found while resolving).</summary>
        public int Listed { get; private set; }
        public int Denied { get; private set; }

        /// <summary>Of <see cref="Denied"/>, tables that were listed but whose links could not be read.</summary>
        public int DeniedAfterListing { get; private set; }
        public int Vanished { get; private set; }
        public int Failed { get; private set; }

        public void Run()
        {
            var spinner = new SpinWait();
            while (true)
            {
                if (walker._batches.TryDequeue(out FdBatch batch))
                {
                    Resolve(batch);
                    continue;
                }

                // Counted as a lister before taking a pid, so an idle thread never leaves while batches may still come.
                Interlocked.Increment(ref walker._activeListers);
                int index = Interlocked.Increment(ref walker._nextPid);
                if (index < walker._pids.Length)
                {
                    List(walker._pids[index]);
                    Interlocked.Decrement(ref walker._activeListers);
                    spinner = default;
                    continue;
                }
                Interlocked.Decrement(ref walker._activeListers);

                if (Volatile.Read(ref walker._activeListers) == 0 && walker._batches.IsEmpty)
                {
                    return;
                }
                spinner.SpinOnce();
            }
        }

        private unsafe void List(int pid)
        {
            // "<pid>/fd\0" relative to the open proc root: no string, no full path.
            byte* path = stackalloc byte[24];
            pid.TryFormat(new Span<byte>(path, 24), out int written, provider: CultureInfo.InvariantCulture);
            "/fd\0"u8.CopyTo(new Span<byte>(path + written, 4));

            int fd = ProcFs.OpenDirectory(walker._rootFd, path);
            if (fd < 0)
            {
                CountFailure(-fd);
                return;
            }

            var directory = new FdDirectory(fd, pid);
            try
            {
                while (true)
                {
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(BatchBufferSize);
                    nint n;
                    fixed (byte* b = buffer)
                    {
                        n = Interop.Sys.GetDents64(fd, b, BatchBufferSize);
                    }

                    if (n <= 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        if (n == 0)
                        {
                            Listed++;
                            return;
                        }
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Interop.Sys.EINTR)
                        {
                            continue;
                        }
                        CountFailure(errno);
                        return;
                    }

                    var batch = new FdBatch(directory, buffer, (int)n);
                    if (walker._shareBatches)
                    {
                        directory.AddReference();
                        walker._batches.Enqueue(batch);
                    }
                    else
                    {
                        directory.AddReference();
                        Resolve(batch);
                    }
                }
            }
            finally
            {
                directory.Release();
            }
        }

        private unsafe void Resolve(FdBatch batch)
        {
            FdDirectory directory = batch.Directory;
            try
            {
                if (directory.IsDenied)
                {
                    return;
                }

                byte* link = stackalloc byte[LinkBufferSize];
                fixed (byte* entries = batch.Buffer)
                {
                    foreach (DirentRecord entry in new DirentRecords(batch.Buffer.AsSpan(0, batch.Length)))
                    {
                        if (entry.Name.Length == 0 || entry.Name[0] == (byte)'.')
                        {
                            continue; // "." and ".."
                        }

                        byte* name = entries + entry.NameOffset;
                        // ENOENT means the fd was closed since the listing: nothing to attribute. EACCES/EPERM: the
                        // directory could be listed but not resolved (the ptrace access check fails, e.g. for a process
                        // of an ancestor user namespace, even as root), so the whole table is unreadable.
                        int length = ProcFs.ReadLink(directory.Fd, name, new Span<byte>(link, LinkBufferSize));
                        if (length is -Interop.Sys.EACCES or -Interop.Sys.EPERM)
                        {
                            if (directory.MarkDenied())
                            {
                                Denied++;
                                DeniedAfterListing++;
                            }
                            return;
                        }
                        if (length > 0 && SocketLinkParser.TryParseInode(new ReadOnlySpan<byte>(link, length), out ulong inode))
                        {
                            Hits.Add(new SocketHit(inode, directory.Pid));
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(batch.Buffer);
                directory.Release();
            }
        }

        private void CountFailure(int errno)
        {
            switch (errno)
            {
                case Interop.Sys.ENOENT or Interop.Sys.ESRCH:
                    Vanished++;
                    break;
                case Interop.Sys.EACCES or Interop.Sys.EPERM:
                    Denied++;
                    break;
                default:
                    Failed++;
                    break;
            }
        }
    }

    private readonly record struct FdBatch(FdDirectory Directory, byte[] Buffer, int Length);

    /// <summary>An open fd directory shared by the batches listed from it; closed when the last one is resolved.</summary>
    private sealed class FdDirectory(int fd, int pid)
    {
        private int _references = 1;
        private int _denied;

        public int Fd { get; } = fd;
        public int Pid { get; } = pid;
        public bool IsDenied => Volatile.Read(ref _denied) != 0;

        /// <summary>True for the first caller only, so a denied table is counted once.</summary>
        public bool MarkDenied() => Interlocked.Exchange(ref _denied, 1) == 0;

        public void AddReference() => Interlocked.Increment(ref _references);

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                Interop.Sys.Close(Fd);
            }
        }
    }
}
