using SocketAgent.Model;

namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// Collects what <c>/proc/*/ns/net</c> and <c>/run/netns/*</c> say about namespaces and dedupes it by inode: many
/// processes share a namespace, a named namespace may hold processes or none, one namespace may have several names.
/// </summary>
internal sealed class NetworkNamespaceIndex
{
    /// <summary>Pids kept per namespace: enough to reopen it when one exits, and to find a container id.</summary>
    public const int MaxPidsPerNamespace = 4;

    private readonly Dictionary<ulong, Entry> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Records that process <paramref name="pid"/> lives in namespace <paramref name="inode"/>; keeps the lowest pids.</summary>
    public void AddProcess(int pid, ulong inode)
    {
        List<int> pids = GetOrAdd(inode).Pids;
        int index = pids.BinarySearch(pid);
        if (index >= 0)
        {
            return;
        }
        index = ~index;
        if (index >= MaxPidsPerNamespace)
        {
            return;
        }
        pids.Insert(index, pid);
        if (pids.Count > MaxPidsPerNamespace)
        {
            pids.RemoveAt(pids.Count - 1);
        }
    }

    /// <summary>Records a name from <c>/run/netns</c>; of several names for one namespace the ordinally smallest wins.</summary>
    public void AddNamed(string name, string path, ulong inode)
    {
        Entry entry = GetOrAdd(inode);
        if (entry.Name is null || string.CompareOrdinal(name, entry.Name) < 0)
        {
            entry.Name = name;
            entry.NamedPath = path;
        }
    }

    public string? NameOf(ulong inode) => _entries.TryGetValue(inode, out Entry? entry) ? entry.Name : null;

    /// <summary>
    /// The namespaces, the agent's first and then by inode. <paramref name="agentInode"/> is included even when no
    /// process was seen in it (hidepid). <paramref name="cgroupOf"/> reads what a pid's cgroup names (null: unreadable).
    /// </summary>
    public List<NetworkNamespace> Build(ulong agentInode, int agentPid, string procRoot, Func<int, CgroupIdentity?>? cgroupOf)
    {
        Entry agent = GetOrAdd(agentInode);
        if (agent.Pids.Count == 0)
        {
            AddProcess(agentPid, agentInode);
        }

        var result = new List<NetworkNamespace>(_entries.Count);
        foreach ((ulong inode, Entry entry) in _entries)
        {
            result.Add(new NetworkNamespace
            {
                Inode = inode,
                Name = entry.Name,
                // A name outlives every process; a pid path is the fallback for unnamed ones (the runner retries the
                // other pids when that one has exited).
                Path = entry.NamedPath ?? (entry.Pids.Count > 0 ? ProcessPath(procRoot, entry.Pids[0]) : null),
                IsAgentNamespace = inode == agentInode,
                OwnerCgroup = FindOwnerCgroup(entry.Pids, cgroupOf),
                Pids = entry.Pids.ToArray(),
            });
        }
        result.Sort(CompareForOutput);
        return result;
    }

    /// <summary>The agent's namespace first, then by inode: a stable order from one pass to the next.</summary>
    public static int CompareForOutput(NetworkNamespace? x, NetworkNamespace? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }
        if (x.IsAgentNamespace != y.IsAgentNamespace)
        {
            return x.IsAgentNamespace ? -1 : 1;
        }
        return x.Inode.CompareTo(y.Inode);
    }

    public static string ProcessPath(string procRoot, int pid) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{procRoot}/{pid}/ns/net");

    private static CgroupIdentity? FindOwnerCgroup(List<int> pids, Func<int, CgroupIdentity?>? cgroupOf)
    {
        if (cgroupOf is null)
        {
            return null;
        }
        // The lowest pid whose cgroup can be read owns the namespace: in a pod the sandbox (pause) process, in a
        // container its init. Only a container or a pod names it: the host's namespace (pid 1 first) stays unnamed
        // even when a --net=host container, the agent's own, lives in it too.
        foreach (int pid in pids)
        {
            if (cgroupOf(pid) is { } cgroup)
            {
                return AsOwner(cgroup);
            }
        }
        return null;
    }

    /// <summary>The cgroup when it names a container or a pod (which can own a namespace); null otherwise.</summary>
    public static CgroupIdentity? AsOwner(CgroupIdentity? cgroup) => cgroup is { IsContainerOrPod: true } ? cgroup : null;

    private Entry GetOrAdd(ulong inode)
    {
        if (!_entries.TryGetValue(inode, out Entry? entry))
        {
            entry = new Entry();
            _entries.Add(inode, entry);
        }
        return entry;
    }

    private sealed class Entry
    {
        public List<int> Pids { get; } = new(MaxPidsPerNamespace + 1);
        public string? Name { get; set; }
        public string? NamedPath { get; set; }
    }
}
