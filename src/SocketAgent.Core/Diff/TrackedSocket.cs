using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>What <see cref="SocketDiffer"/> remembers of one open socket. Mutated in place: an unchanged socket costs no allocation.</summary>
internal sealed class TrackedSocket
{
    public TrackedSocket(SocketRecord record, IReadOnlyList<ProcessInfo> owners, DateTimeOffset firstSeen, int generation)
    {
        Record = record;
        Owners = owners;
        FirstSeen = firstSeen;
        Generation = generation;
        Inode = record.Inode;
        Uid = record.Uid;
    }

    /// <summary>The latest record (its latest state and tcp_info).</summary>
    public SocketRecord Record { get; set; }

    /// <summary>The last non-empty owner list: kept when the process exits, or when the caller attributed only new sockets.</summary>
    public IReadOnlyList<ProcessInfo> Owners { get; set; }

    public DateTimeOffset FirstSeen { get; }

    /// <summary>The last non-zero inode and uid: both turn 0 while the kernel finishes a socket its process closed.</summary>
    public ulong Inode { get; set; }
    public uint Uid { get; set; }

    /// <summary>The namespace's collection number in which the socket was last seen as a full socket.</summary>
    public int Generation { get; set; }

    /// <summary>Set when the socket was missing (or only its TIME_WAIT entry was left) and its destroy is awaited.</summary>
    public DateTimeOffset? MissingSince { get; set; }

    /// <summary>The state of the remnant that replaced the socket (TIME_WAIT, or FIN_WAIT2 as a TIME_WAIT substate).</summary>
    public KernelSocketState? RemnantState { get; set; }

    /// <summary>
    /// The kernel tracer reports this socket's transitions: snapshots no longer make state events or closes of it
    /// (a snapshot is older than the tracer's last word), only the sweep of a socket that two snapshots miss.
    /// </summary>
    public bool Traced { get; set; }
}
