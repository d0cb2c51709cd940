using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SocketAgent.Model;

namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// Runs code inside network namespaces. setns(2) moves only the calling thread, so the code runs on dedicated OS
/// threads (never pool threads, which would go back to the pool in a foreign namespace); each thread enters the
/// namespaces it takes from a shared list in turn, and exits when the list is done.
/// </summary>
/// <remarks>
/// <para>What follows the thread's namespace: sockets it creates (a netlink sock_diag socket dumps the namespace
/// it was created in, and any socket stays in that namespace whichever thread later uses it) and
/// <c>/proc/thread-self/net/*</c> (<see cref="ThreadNetDirectory"/>). What does NOT: <c>/proc/net</c> and
/// <c>/proc/self/net</c>, which resolve through the thread-group leader (checked on 6.18: a setns'ed thread reads
/// the host's tables there). So a procfs source inside a namespace must read <see cref="ThreadNetDirectory"/>.</para>
/// <para>The function must not start threads or queue thread-pool work: a thread created from a setns'ed thread
/// inherits its namespace (the .NET thread pool may create its workers on the thread that queues work).</para>
/// <para>Entering a network namespace needs CAP_SYS_ADMIN. Without it only the namespace the worker thread already
/// is in (the agent's) can be run in; the others fail with <see cref="NetworkNamespaceException.IsPermissionDenied"/>.</para>
/// </remarks>
internal sealed class NetworkNamespaceRunner : IDisposable
{
    /// <summary>The <c>/proc/net</c> of the calling thread's namespace: read it from the thread the function runs on.</summary>
    public const string ThreadNetDirectory = "/proc/thread-self/net";

    private readonly int _maxDegreeOfParallelism;
    private readonly ulong _agentInode;
    private int _agentFd;

    /// <param name="maxDegreeOfParallelism">Namespaces entered at once; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    public NetworkNamespaceRunner(int maxDegreeOfParallelism = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDegreeOfParallelism);
        _maxDegreeOfParallelism = maxDegreeOfParallelism == 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        // Kept open so the agent's own namespace can be entered again (by a worker coming from another one) even
        // if no path would open it any more.
        _agentFd = NamespaceFile.OpenNetNamespace("/proc/self/ns/net", out _agentInode);
    }

    /// <summary>The inode of the agent's namespace (the main thread's).</summary>
    public ulong AgentInode => _agentInode;

    /// <summary>
    /// Runs <paramref name="function"/> inside <paramref name="ns"/> and returns its result; inline when the calling
    /// thread already is there, otherwise on a dedicated thread that exits afterwards.
    /// </summary>
    /// <exception cref="NetworkNamespaceException">The namespace could not be entered.</exception>
    public T Run<T>(NetworkNamespace ns, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(function);
        NamespaceOutcome<T> outcome = RunEach([ns], _ => function())[0];
        if (outcome.Error is not null)
        {
            ExceptionDispatchInfo.Throw(outcome.Error);
        }
        return outcome.Value!;
    }

    /// <summary>
    /// Runs <paramref name="function"/> in each namespace, up to the degree of parallelism at once, and returns the
    /// outcomes in the order of <paramref name="namespaces"/>. Failures (not entered, or thrown) are outcomes, not
    /// exceptions.
    /// </summary>
    public NamespaceOutcome<T>[] RunEach<T>(IReadOnlyList<NetworkNamespace> namespaces, Func<NetworkNamespace, T> function)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(function);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _agentFd) < 0, this);

        var work = new Work<T>(this, namespaces, function);
        if (namespaces.Count == 0)
        {
            return work.Outcomes;
        }

        if (namespaces.Count == 1 && TryCurrentThreadInode() == namespaces[0].Inode)
        {
            work.Run(); // already there (`--netns host`): no thread, no setns, no privilege needed
            return work.Outcomes;
        }

        int threadCount = Math.Min(_maxDegreeOfParallelism, namespaces.Count);
        var threads = new Thread[threadCount];
        for (int i = 0; i < threads.Length; i++)
        {
            // A new thread starts in the creating thread's namespace; workers compare before entering.
            threads[i] = new Thread(work.Run) { IsBackground = true, Name = "netns worker" };
            threads[i].UnsafeStart();
        }
        foreach (Thread thread in threads)
        {
            thread.Join();
        }
        return work.Outcomes;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _agentFd, -1);
        if (fd >= 0)
        {
            Interop.Sys.Close(fd);
        }
    }

    private static ulong TryCurrentThreadInode()
    {
        int result = NamespaceFile.ReadNetLink(Interop.Sys.AT_FDCWD, "/proc/thread-self/ns/net\0"u8, out ulong inode);
        return result == 0 ? inode : 0;
    }

    /// <summary>Moves the calling thread into <paramref name="ns"/>, trying its path and then its pids' paths.</summary>
    private void Enter(NetworkNamespace ns)
    {
        if (ns.Inode == _agentInode)
        {
            SetNs(_agentFd, ns);
            return;
        }

        string? lastFailure = null;
        foreach (string path in CandidatePaths(ns))
        {
            int fd;
            ulong inode;
            try
            {
                fd = NamespaceFile.OpenNetNamespace(path, out inode);
            }
            catch (NetworkNamespaceException e)
            {
                lastFailure = e.Message; // that process exited (or the name was deleted): try the next way in
                continue;
            }

            try
            {
                if (inode != ns.Inode)
                {
                    lastFailure = $"{path} now opens net:[{inode}]"; // the pid was reused by a process elsewhere
                    continue;
                }
                SetNs(fd, ns);
                return;
            }
            finally
            {
                Interop.Sys.Close(fd);
            }
        }

        throw new NetworkNamespaceException(
            $"network namespace {NetworkNamespaceText.Describe(ns)} is gone ({lastFailure ?? "no path or process to open it by"})",
            Interop.Sys.ENOENT);
    }

    private static IEnumerable<string> CandidatePaths(NetworkNamespace ns)
    {
        if (ns.Path is not null)
        {
            yield return ns.Path;
        }
        foreach (int pid in ns.Pids)
        {
            string path = NetworkNamespaceIndex.ProcessPath("/proc", pid);
            if (path != ns.Path)
            {
                yield return path;
            }
        }
    }

    private static void SetNs(int fd, NetworkNamespace ns)
    {
        if (Interop.Sys.SetNs(fd, Interop.Sys.CLONE_NEWNET) == 0)
        {
            return;
        }
        int errno = Marshal.GetLastPInvokeError();
        string reason = errno == Interop.Sys.EPERM ? "needs CAP_SYS_ADMIN" : Marshal.GetPInvokeErrorMessage(errno);
        throw new NetworkNamespaceException($"could not enter network namespace {NetworkNamespaceText.Describe(ns)} ({reason})", errno);
    }

    /// <summary>The shared list the worker threads take namespaces from.</summary>
    private sealed class Work<T>(NetworkNamespaceRunner runner, IReadOnlyList<NetworkNamespace> namespaces, Func<NetworkNamespace, T> function)
    {
        private int _next = -1;

        public NamespaceOutcome<T>[] Outcomes { get; } = new NamespaceOutcome<T>[namespaces.Count];

        public void Run()
        {
            ulong current = TryCurrentThreadInode();
            int i;
            while ((i = Interlocked.Increment(ref _next)) < namespaces.Count)
            {
                NetworkNamespace ns = namespaces[i];
                if (current != ns.Inode)
                {
                    try
                    {
                        runner.Enter(ns); // setns is all or nothing: on failure the thread stays where it was
                    }
                    catch (NetworkNamespaceException e)
                    {
                        Outcomes[i] = new NamespaceOutcome<T> { Namespace = ns, Error = e, NotEntered = true };
                        continue;
                    }
                    current = ns.Inode;
                }

                try
                {
                    Outcomes[i] = new NamespaceOutcome<T> { Namespace = ns, Value = function(ns) };
                }
                catch (Exception e)
                {
                    Outcomes[i] = new NamespaceOutcome<T> { Namespace = ns, Error = e };
                }
            }
        }
    }
}
