namespace SocketAgent.Model;

/// <summary>
/// Socket inode → the processes holding a descriptor for it. Inodes are unique host-wide, so one table
/// serves every network namespace. A socket shared after fork() maps to every holder, lowest pid first.
/// </summary>
public sealed class SocketOwners
{
    public static readonly SocketOwners Empty = new(new Dictionary<ulong, ProcessInfo[]>(), 0, 0);

    private readonly Dictionary<ulong, ProcessInfo[]> _byInode;

    public SocketOwners(Dictionary<ulong, ProcessInfo[]> byInode, int processesScanned, int processesDenied)
    {
        _byInode = byInode;
        ProcessesScanned = processesScanned;
        ProcessesDenied = processesDenied;
    }

    /// <summary>Processes whose fd table was read.</summary>
    public int ProcessesScanned { get; }

    /// <summary>Processes whose fd table could not be read (not root, no CAP_SYS_PTRACE/CAP_DAC_READ_SEARCH).</summary>
    public int ProcessesDenied { get; }

    public int Count => _byInode.Count;

    /// <summary>The holders of <paramref name="inode"/>, or an empty list.</summary>
    public IReadOnlyList<ProcessInfo> Lookup(ulong inode) =>
        inode != 0 && _byInode.TryGetValue(inode, out ProcessInfo[]? owners) ? owners : [];
}
