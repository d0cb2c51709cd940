namespace SocketAgent.Model;

/// <summary>A process that holds one or more sockets, read from /proc/&lt;pid&gt;.</summary>
public sealed class ProcessInfo
{
    public required int Pid { get; init; }
    public int ParentPid { get; init; }

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

    /// <summary>Container id (64 hex chars) from <c>/proc/pid/cgroup</c> for docker, containerd, cri-o and podman.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The program name as netstat -p prints it: basename of argv[0], else the comm.</summary>
    public string NetstatName
    {
        get
        {
            if (Args.Count > 0 && Args[0].Length > 0)
            {
                // netstat does strrchr(argv0, '/') on the raw argv[0], so "sshd: root@pts/0" gives "0"; we copy it.
                string first = Args[0];
                int slash = first.LastIndexOf('/');
                return slash >= 0 ? first[(slash + 1)..] : first;
            }
            return Name;
        }
    }
}
