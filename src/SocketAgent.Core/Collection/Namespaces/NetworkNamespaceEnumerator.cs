using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;

namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// Finds the network namespaces <c>--netns</c> selects: the agent's own (<c>host</c>), every namespace a process
/// lives in or <c>ip netns</c> named (<c>all</c>), or the one a given file opens. Namespaces are identified by their
/// nsfs inode, as <c>lsns</c> does; processes and names are only ways to reach them.
/// </summary>
internal sealed class NetworkNamespaceEnumerator
{
    /// <summary>Counter: processes whose <c>/proc/PID/ns/net</c> could not be read (another user's, not root).</summary>
    public const string DeniedCounter = "namespaces.denied";

    /// <summary>Counter: entries of <c>/run/netns</c> that are not (or no longer) network namespaces.</summary>
    public const string NamedInvalidCounter = "namespaces.named_invalid";

    public const string DefaultNamedDirectory = "/run/netns";

    private const int MaxDeniedPidsListed = 8;

    /// <summary>A cgroup that was read and names nothing (the host's processes): not the same as unreadable.</summary>
    private static readonly CgroupIdentity s_namesNothing = new();

    private readonly string _procRoot;
    private readonly string _namedDirectory;

    /// <param name="procRoot">The proc mount; tests point it at a fake tree.</param>
    /// <param name="namedDirectory">Where <c>ip netns</c> bind-mounts named namespaces.</param>
    public NetworkNamespaceEnumerator(string procRoot = "/proc", string namedDirectory = DefaultNamedDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(procRoot);
        ArgumentException.ThrowIfNullOrEmpty(namedDirectory);
        _procRoot = procRoot;
        _namedDirectory = namedDirectory;
    }

    /// <summary>Resolves <paramref name="selection"/>; the agent's namespace (when selected) comes first, then by inode.</summary>
    /// <exception cref="NetworkNamespaceException">The agent's namespace cannot be read, or a selected path is not a network namespace.</exception>
    public IReadOnlyList<NetworkNamespace> Enumerate(NetworkNamespaceSelection selection, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(diagnostics);
        return selection.Kind switch
        {
            NetworkNamespaceSelectionKind.Host => [Agent()],
            NetworkNamespaceSelectionKind.All => All(diagnostics),
            NetworkNamespaceSelectionKind.Path => [FromPath(selection.Path!)],
            _ => throw new ArgumentOutOfRangeException(nameof(selection)),
        };
    }

    /// <summary>The inode of the agent's network namespace (<c>/proc/self/ns/net</c>: the main thread's).</summary>
    public ulong AgentInode()
    {
        string path = _procRoot + "/self/ns/net";
        int result = ReadNetLink(AtCwd(path), out ulong inode);
        if (result < 0)
        {
            throw new NetworkNamespaceException($"cannot read {path}: {Marshal.GetPInvokeErrorMessage(-result)}", -result);
        }
        return inode;
    }

    /// <summary>The namespace the agent runs in.</summary>
    public NetworkNamespace Agent()
    {
        ulong inode = AgentInode();
        int pid = Environment.ProcessId;
        return new NetworkNamespace
        {
            Inode = inode,
            Name = FindName(inode),
            Path = NetworkNamespaceIndex.ProcessPath(_procRoot, pid),
            IsAgentNamespace = true,
            OwnerCgroup = NetworkNamespaceIndex.AsOwner(ReadCgroup(pid)),
            Pids = [pid],
        };
    }

    /// <summary>The namespace <paramref name="path"/> opens (<c>/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>, a bind mount).</summary>
    /// <exception cref="NetworkNamespaceException">The path does not exist, cannot be opened or is not a network namespace.</exception>
    public NetworkNamespace FromPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int fd = NamespaceFile.OpenNetNamespace(path, out ulong inode);
        Interop.Sys.Close(fd);

        int pid = ParsePidPath(path);
        ulong agent = AgentInode();
        return new NetworkNamespace
        {
            Inode = inode,
            Name = FindName(inode),
            Path = path,
            IsAgentNamespace = inode == agent,
            OwnerCgroup = pid > 0 ? NetworkNamespaceIndex.AsOwner(ReadCgroup(pid)) : null,
            Pids = pid > 0 ? [pid] : [],
        };
    }

    /// <summary>
    /// Every namespace reachable through <c>/proc/*/ns/net</c> and <c>/run/netns/*</c>, deduplicated by inode.
    /// Processes whose namespace link cannot be read are counted as <see cref="DeniedCounter"/> and named in a
    /// warning; the rest is returned.
    /// </summary>
    public IReadOnlyList<NetworkNamespace> All(CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ulong agentInode = AgentInode();
        var index = new NetworkNamespaceIndex();

        int rootFd = ProcFs.OpenDirectory(_procRoot);
        if (rootFd < 0)
        {
            throw new NetworkNamespaceException($"cannot open {_procRoot}: {Marshal.GetPInvokeErrorMessage(-rootFd)}", -rootFd);
        }
        try
        {
            AddProcesses(rootFd, index, diagnostics);
            AddNamed(index, diagnostics);
            return index.Build(agentInode, Environment.ProcessId, _procRoot, pid => ReadCgroup(rootFd, pid));
        }
        finally
        {
            Interop.Sys.Close(rootFd);
        }
    }

    private void AddProcesses(int rootFd, NetworkNamespaceIndex index, CollectionDiagnostics diagnostics)
    {
        // "<pid>/ns/net\0" relative to the /proc descriptor: no path string per process.
        Span<byte> path = stackalloc byte[32];
        int denied = 0;
        List<int>? deniedPids = null;
        foreach (string directory in Directory.EnumerateDirectories(_procRoot))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(directory.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0)
            {
                continue; // self, thread-self, sys, net, …
            }

            pid.TryFormat(path, out int written, provider: CultureInfo.InvariantCulture);
            "/ns/net\0"u8.CopyTo(path[written..]);
            int result = NamespaceFile.ReadNetLink(rootFd, path, out ulong inode);
            if (result == 0)
            {
                index.AddProcess(pid, inode);
            }
            else if (result is -Interop.Sys.EACCES or -Interop.Sys.EPERM)
            {
                // Without CAP_SYS_PTRACE, another user's namespace links are hidden (ptrace access mode check).
                denied++;
                deniedPids ??= [];
                if (deniedPids.Count < MaxDeniedPidsListed)
                {
                    deniedPids.Add(pid);
                }
            }
            // ENOENT/ESRCH: the process exited since the listing (or is a zombie): nothing to find there.
        }

        if (denied > 0)
        {
            diagnostics.Count(DeniedCounter, denied);
            string more = denied > deniedPids!.Count ? ", …" : "";
            diagnostics.Warn(
                $"the network namespace of {denied} processes could not be read (pids {string.Join(", ", deniedPids)}{more}): " +
                "namespaces only they live in are missed unless named in /run/netns; run as root or with CAP_SYS_PTRACE to see them all");
        }
    }

    private void AddNamed(NetworkNamespaceIndex index, CollectionDiagnostics diagnostics)
    {
        IEnumerable<string> files;
        try
        {
            files = Directory.EnumerateFiles(_namedDirectory);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return; // no /run/netns: nothing was ever named with ip netns
        }

        try
        {
            foreach (string file in files)
            {
                int fd;
                ulong inode;
                try
                {
                    fd = NamespaceFile.OpenNetNamespace(file, out inode);
                }
                catch (NetworkNamespaceException e)
                {
                    // `ip netns add` leaves an empty file behind when its mount fails; a deleted namespace may race us.
                    diagnostics.Count(NamedInvalidCounter);
                    diagnostics.WarnOnce(NamedInvalidCounter + ":" + file, $"skipping {file}: {e.Message}");
                    continue;
                }
                Interop.Sys.Close(fd);
                index.AddNamed(System.IO.Path.GetFileName(file), file, inode);
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            diagnostics.Warn($"cannot list {_namedDirectory}: {e.Message}");
        }
    }

    /// <summary>The <c>/run/netns</c> name of <paramref name="inode"/>, if any (ordinally smallest of several).</summary>
    private string? FindName(ulong inode)
    {
        var index = new NetworkNamespaceIndex();
        AddNamed(index, new CollectionDiagnostics());
        return index.NameOf(inode);
    }

    private CgroupIdentity? ReadCgroup(int pid)
    {
        int rootFd = ProcFs.OpenDirectory(_procRoot);
        if (rootFd < 0)
        {
            return null;
        }
        try
        {
            return ReadCgroup(rootFd, pid);
        }
        finally
        {
            Interop.Sys.Close(rootFd);
        }
    }

    private static CgroupIdentity? ReadCgroup(int rootFd, int pid)
    {
        Span<byte> path = stackalloc byte[32];
        pid.TryFormat(path, out int written, provider: CultureInfo.InvariantCulture);
        "/cgroup\0"u8.CopyTo(path[written..]);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int length = ProcFs.ReadFile(rootFd, path, ref buffer);
            if (length <= 0)
            {
                return null;
            }
            // cgroup paths are ASCII in practice; Latin-1 widening keeps the parser on chars without UTF-8 work.
            return CgroupPathParser.Parse(Encoding.Latin1.GetString(buffer, 0, length)) ?? s_namesNothing;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The pid of a <c>…/PID/ns/net</c> path, or 0.</summary>
    internal static int ParsePidPath(string path)
    {
        ReadOnlySpan<char> span = path.AsSpan().TrimEnd('/');
        if (!span.EndsWith("/ns/net", StringComparison.Ordinal))
        {
            return 0;
        }
        span = span[..^"/ns/net".Length];
        ReadOnlySpan<char> last = span[(span.LastIndexOf('/') + 1)..];
        return int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 ? pid : 0;
    }

    private static byte[] AtCwd(string path)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    private static int ReadNetLink(byte[] nulTerminatedPath, out ulong inode) =>
        NamespaceFile.ReadNetLink(Interop.Sys.AT_FDCWD, nulTerminatedPath, out inode);
}
