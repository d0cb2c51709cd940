using SocketAgent.Collection.Processes;
using SocketAgent.Collection.Redaction;
using SocketAgent.Model;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// The processes the tracer names, by pid: filled at exec from the kernel side's copy of the argument vector (so
/// a process that connects and exits within a millisecond still has its command line), or at first sight from
/// /proc. The same redactor as every other path applies. What could not be read is absent and counted.
/// </summary>
internal sealed class TracedProcessCache
{
    /// <summary>Past this many processes the cache starts again (entries refill from exec records and /proc).</summary>
    private const int MaxEntries = 65_536;

    /// <summary>How many forks without an exec are followed back to an ancestor's command line.</summary>
    private const int MaxForkDepth = 8;

    private readonly ProcessInfoReader _reader;
    private readonly CommandLineRedactor _redactor;
    private readonly UserNameResolver _userNames = new();
    private readonly Dictionary<int, Entry> _entries = [];

    public TracedProcessCache(CommandLineRedactor redactor)
    {
        _redactor = redactor;
        _reader = new ProcessInfoReader(userNames: _userNames, redactor: redactor);
    }

    /// <summary>Owners whose arguments could be read neither from an exec record nor from /proc.</summary>
    public long ArgumentsUnknown { get; private set; }

    public int Count => _entries.Count;

    /// <summary>A new image: its arguments replace whatever the pid ran before.</summary>
    public void OnExec(ExecInfo exec)
    {
        Keep(exec.Pid, new Entry(exec, null));
    }

    /// <summary>A new process: its parent's image until it execs (a new pid cannot have an entry worth keeping).</summary>
    public void OnFork(ForkInfo fork)
    {
        Keep(fork.Pid, new Entry(null, null) { Parent = fork.ParentPid });
    }

    /// <summary>The process <paramref name="pid"/> whose task was called <paramref name="comm"/> when it acted.</summary>
    public ProcessInfo Resolve(int pid, uint uid, string comm) => Resolve(pid, uid, comm, 0);

    /// <summary>
    /// <see cref="Resolve(int, uint, string)"/> as an event's owners, for the kernel's comm bytes. A pid's entry keeps
    /// the last answer with the comm it was for, so the next record of the same process and thread name (the usual
    /// case) costs one lookup: no comm string, no array, no /proc. Exec and fork records replace the entry, and with
    /// it that answer.
    /// </summary>
    public ProcessInfo[] Owners(int pid, uint uid, in Comm16 comm)
    {
        if (_entries.TryGetValue(pid, out Entry? entry) && entry.Owners is ProcessInfo[] owners &&
            ((ReadOnlySpan<byte>)entry.OwnersComm).SequenceEqual(comm))
        {
            return owners;
        }
        ProcessInfo info = Resolve(pid, uid, KernelTracer.CommText(comm), 0);
        if (_entries.TryGetValue(pid, out entry) && ReferenceEquals(entry.Info, info))
        {
            entry.Owners = [info];
            entry.OwnersComm = comm;
            return entry.Owners;
        }
        return [info];
    }

    private ProcessInfo Resolve(int pid, uint uid, string comm, int depth)
    {
        if (_entries.TryGetValue(pid, out Entry? entry) && entry.Info is ProcessInfo known && Matches(known, entry, comm))
        {
            return known;
        }
        ProcessInfo info;
        if (entry?.Exec is ExecInfo exec && (exec.Comm == comm || entry.Info is null))
        {
            // From the exec record; /proc adds what it alone has (executable, start, container) while the process lives.
            ProcessInfo? live = _reader.Read(pid);
            IReadOnlyList<string> args = _redactor.Redact(exec.Args);
            ProcessInfo? parentInfo = Parent(exec.ParentPid, live);
            info = new ProcessInfo
            {
                Pid = pid,
                ParentPid = exec.ParentPid,
                ParentName = parentInfo?.Name ?? live?.ParentName,
                ParentExecutable = parentInfo?.Executable ?? live?.ParentExecutable,
                Name = exec.Comm,
                Args = args,
                CommandLine = CommandLineQuoter.Quote(args),
                Executable = live?.Executable,
                Uid = exec.Uid,
                UserName = _userNames.GetUserName(exec.Uid),
                StartTime = live?.StartTime,
                Cgroup = live?.Cgroup,
            };
        }
        else if (_reader.Read(pid) is ProcessInfo read)
        {
            info = read;
        }
        else if (entry?.Parent is int parent && parent != pid && depth < MaxForkDepth)
        {
            // Forked, never exec'd, already gone: it ran its parent's command line.
            ProcessInfo inherited = Resolve(parent, uid, comm, depth + 1);
            info = new ProcessInfo
            {
                Pid = pid,
                ParentPid = parent,
                ParentName = inherited.Name,
                ParentExecutable = inherited.Executable,
                Name = comm,
                Args = inherited.Args,
                CommandLine = inherited.CommandLine,
                Executable = inherited.Executable,
                Uid = uid,
                UserName = _userNames.GetUserName(uid),
                Cgroup = inherited.Cgroup,
            };
        }
        else
        {
            info = Unknown(pid, uid, comm);
        }
        Keep(pid, new Entry(entry?.Exec, info) { LastComm = comm, Parent = entry?.Parent });
        return info;
    }

    /// <summary>Stores <paramref name="entry"/> for <paramref name="pid"/>; past <see cref="MaxEntries"/> the cache starts again.</summary>
    private void Keep(int pid, Entry entry)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        _entries[pid] = entry;
    }

    /// <summary>
    /// The parent of an exec'd process: as this cache knows it (it may have exited since), else as the child's /proc
    /// read named it, else read from /proc once and kept — a process that connects and exits at once is gone before
    /// the agent reads it, but its parent (the shell, the supervisor) usually lives on.
    /// </summary>
    private ProcessInfo? Parent(int parentPid, ProcessInfo? live)
    {
        if (parentPid <= 0)
        {
            return null;
        }
        if (_entries.TryGetValue(parentPid, out Entry? entry) && entry.Info is ProcessInfo known)
        {
            return known;
        }
        if (live?.ParentName is not null)
        {
            return null;
        }
        if (_reader.Read(parentPid) is not ProcessInfo read)
        {
            // Gone too: what its own exec record said, if the tracer saw one.
            return entry?.Exec is ExecInfo exec ? new ProcessInfo { Pid = parentPid, Name = exec.Comm } : null;
        }
        Keep(parentPid, new Entry(entry?.Exec, read) { LastComm = read.Name, Parent = entry?.Parent });
        return read;
    }

    /// <summary>A thread may carry its own name: the last one seen for the pid also counts as a match.</summary>
    private static bool Matches(ProcessInfo known, Entry entry, string comm) => known.Name == comm || entry.LastComm == comm;

    private ProcessInfo Unknown(int pid, uint uid, string comm)
    {
        // Exited before the agent could read it and not exec'd while the tracer ran: the kernel's facts only.
        ArgumentsUnknown++;
        return new ProcessInfo { Pid = pid, Name = comm, Uid = uid, UserName = _userNames.GetUserName(uid) };
    }

    private sealed record Entry(ExecInfo? Exec, ProcessInfo? Info)
    {
        public string? LastComm { get; init; }

        /// <summary>Set for a process seen forked: whose command line it runs until it execs.</summary>
        public int? Parent { get; init; }

        /// <summary>[<see cref="Info"/>] as last handed out, for the comm in <see cref="OwnersComm"/>.</summary>
        public ProcessInfo[]? Owners { get; set; }

        public Comm16 OwnersComm;
    }
}
