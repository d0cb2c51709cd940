namespace SocketAgent.Model;

/// <summary>A process that holds one or more sockets, read from /proc/&lt;pid&gt;.</summary>
public sealed class ProcessInfo
{
    public required int Pid { get; init; }
    public int ParentPid { get; init; }

    /// <summary>The parent's <c>comm</c> (ECS <c>process.parent.name</c>); null when it could not be read (gone, hidden).</summary>
    public string? ParentName { get; init; }

    /// <summary>Target of the parent's <c>/proc/ppid/exe</c> (ECS <c>process.parent.executable</c>); null when unreadable.</summary>
    public string? ParentExecutable { get; init; }

    /// <summary>The kernel's name for the task (<c>/proc/pid/comm</c>, at most 15 characters).</summary>
    public required string Name { get; init; }

    /// <summary>The full argument vector from <c>/proc/pid/cmdline</c>; empty for kernel threads.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary><see cref="Args"/> joined and shell-quoted so it can be pasted back into a shell.</summary>
    public string CommandLine { get; init; } = string.Empty;

    /// <summary>Target of <c>/proc/pid/exe</c>; null when it cannot be read (no permission, kernel thread).</summary>
    public string? Executable { get; init; }

    public uint Uid { get; init; }
    public string? UserName { get; init; }

    /// <summary>When the process started (from <c>/proc/pid/stat</c> start time and boot time).</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>What <c>/proc/pid/cgroup</c> names: container and runtime, pod, or systemd unit; null when nothing.</summary>
    public CgroupIdentity? Cgroup { get; init; }

    /// <summary>Container id (64 hex chars) from the cgroup, for docker, containerd, cri-o and podman.</summary>
    public string? ContainerId => Cgroup?.ContainerId;

    /// <summary>
    /// The program name as netstat -p prints it: argv[0], with the directory stripped only when argv[0] starts with
    /// '/' (net-tools does exactly that, so "sshd: root@pts/0" and "./x" stay whole); empty for kernel threads.
    /// </summary>
    public string NetstatName
    {
        get
        {
            string first = Args.Count > 0 ? Args[0] : string.Empty;
            return first.Length > 0 && first[0] == '/' ? first[(first.LastIndexOf('/') + 1)..] : first;
        }
    }
}
