namespace SocketAgent.Correlation;

/// <summary>
/// Who holds an end as its newest event named it — host, pid, process name, command line, argv and workload (raw JSON
/// text, interned) —, with the agent and network namespace that saw the end (fixed for an end: they identify it).
/// Shared by every end of the same process, so an open connection holds one reference, not seven.
/// </summary>
internal sealed class ProcessOwner
{
    private ProcessOwner(byte[] agentId, ulong netnsInode, byte[]? hostName, int pid, byte[]? processName, byte[]? commandLine, byte[]? args, byte[]? workload)
    {
        AgentId = agentId;
        NetnsInode = netnsInode;
        HostName = hostName;
        Pid = pid;
        ProcessName = processName;
        CommandLine = commandLine;
        Args = args;
        Workload = workload;
    }

    /// <summary>The agent that saw the end (raw JSON text of <c>agent.id</c>).</summary>
    public byte[] AgentId { get; }

    /// <summary>The network namespace the end is in, as its agent saw it.</summary>
    public ulong NetnsInode { get; }

    public byte[]? HostName { get; }
    public int Pid { get; }
    public byte[]? ProcessName { get; }
    public byte[]? CommandLine { get; }
    public byte[]? Args { get; }

    /// <summary>Its container, pod and systemd unit as the agent wrote them (<see cref="ObservedSocketEvent.Workload"/>).</summary>
    public byte[]? Workload { get; }

    /// <summary>
    /// Whether this owner names that process (agent and namespace are the end's own, not compared): the texts compared
    /// by reference (they are interned, so equal texts are one array).
    /// </summary>
    public bool Is(byte[]? hostName, int pid, byte[]? processName, byte[]? commandLine, byte[]? args, byte[]? workload) =>
        Pid == pid && ReferenceEquals(HostName, hostName) && ReferenceEquals(ProcessName, processName)
        && ReferenceEquals(CommandLine, commandLine) && ReferenceEquals(Args, args) && ReferenceEquals(Workload, workload);

    /// <summary>
    /// The owners seen, one instance each. Bounded like <see cref="Utf8Interner"/>: past its capacity a new owner is
    /// made per end instead of remembered.
    /// </summary>
    internal sealed class Table(int capacity)
    {
        private readonly Dictionary<Key, ProcessOwner> _owners = [];

        public ProcessOwner Get(byte[] agentId, ulong netnsInode, byte[]? hostName, int pid, byte[]? processName, byte[]? commandLine, byte[]? args, byte[]? workload)
        {
            var key = new Key(agentId, netnsInode, hostName, pid, processName, commandLine, args, workload);
            if (_owners.TryGetValue(key, out ProcessOwner? owner))
            {
                return owner;
            }
            owner = new ProcessOwner(agentId, netnsInode, hostName, pid, processName, commandLine, args, workload);
            if (_owners.Count < capacity)
            {
                _owners.Add(key, owner);
            }
            return owner;
        }

        /// <summary>Arrays compare by reference (the default for a record's array members): the texts are interned.</summary>
        private readonly record struct Key(
            byte[] AgentId, ulong NetnsInode, byte[]? HostName, int Pid, byte[]? ProcessName, byte[]? CommandLine, byte[]? Args, byte[]? Workload);
    }
}
