using System.Buffers;
using System.Globalization;
using System.Text;
using SocketAgent.Collection.Redaction;
using SocketAgent.Model;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// Reads one process's details from <c>/proc/&lt;pid&gt;</c>: stat (name, parent, start time), cmdline, exe,
/// status (real uid) and cgroup (container, pod, systemd unit). Thread-safe; one instance caches boot time and user names.
/// </summary>
internal sealed class ProcessInfoReader
{
    private const int InitialBufferSize = 4096;

    // USER_HZ: the unit of /proc/pid/stat times. It is 100 on every Linux ABI, but ask, as procps does.
    private static readonly long s_clockTicksPerSecond = ReadClockTicks();

    private readonly string _rootPath;
    private readonly UserNameResolver _userNames;
    private readonly Lazy<long?> _bootTimeSeconds;
    private readonly CommandLineRedactor _redactor;
    // Parent executables by (pid, start time): a pid reused by another process has another start time.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Pid, ulong Start), string?> _parentExecutables = new();
    private const int MaxCachedParents = 4096;

    /// <param name="redactor">
    /// Masks secrets in argv before anything else sees it (so <c>--once</c>, <c>netstat --cmdline</c> and the
    /// event stream all show <c>[REDACTED]</c>); <see cref="CommandLineRedactor.Default"/> when null.
    /// </param>
    public ProcessInfoReader(string rootPath = "/proc", UserNameResolver? userNames = null, CommandLineRedactor? redactor = null)
    {
        _rootPath = rootPath;
        _userNames = userNames ?? new UserNameResolver();
        _redactor = redactor ?? CommandLineRedactor.Default;
        _bootTimeSeconds = new Lazy<long?>(ReadBootTime);
    }

    /// <summary>The details of <paramref name="pid"/>, or null when the process is gone (or is not a process).</summary>
    public ProcessInfo? Read(int pid)
    {
        int rootFd = ProcFs.OpenDirectory(_rootPath);
        if (rootFd < 0)
        {
            return null;
        }
        try
        {
            return Read(rootFd, pid);
        }
        finally
        {
            Interop.Sys.Close(rootFd);
        }
    }

    /// <summary>As <see cref="Read(int)"/>, relative to an open descriptor of the proc root (the scanner's).</summary>
    internal unsafe ProcessInfo? Read(int rootFd, int pid)
    {
        int pidFd = OpenProcess(rootFd, pid);
        if (pidFd < 0)
        {
            return null;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            // stat first: if it is gone the process exited and the rest is moot.
            int length = ProcFs.ReadFile(pidFd, "stat\0"u8, ref buffer);
            if (length < 0 || !ProcStatParser.TryParse(buffer.AsSpan(0, length), out ProcStat stat))
            {
                return null;
            }

            length = ProcFs.ReadFile(pidFd, "cmdline\0"u8, ref buffer);
            string[] args = length > 0 ? ProcCmdlineParser.Parse(buffer.AsSpan(0, length)) : [];

            uint uid = 0;
            length = ProcFs.ReadFile(pidFd, "status\0"u8, ref buffer);
            bool haveUid = length > 0 && ProcStatusParser.TryParseRealUid(buffer.AsSpan(0, length), out uid);

            length = ProcFs.ReadFile(pidFd, "cgroup\0"u8, ref buffer);
            CgroupIdentity? cgroup = length > 0 ? ParseCgroup(buffer.AsSpan(0, length)) : null;

            IReadOnlyList<string> argv = _redactor.Redact(args);
            ParentIdentity parent = ReadParent(rootFd, stat.ParentPid, ref buffer);
            return new ProcessInfo
            {
                Pid = pid,
                ParentPid = stat.ParentPid,
                ParentName = parent.Name,
                ParentExecutable = parent.Executable,
                Name = stat.Name,
                Args = argv,
                CommandLine = CommandLineQuoter.Quote(argv),
                Executable = ReadExecutable(pidFd),
                Uid = uid,
                UserName = haveUid ? _userNames.GetUserName(uid) : null,
                StartTime = ToStartTime(stat.StartTimeTicks),
                Cgroup = cgroup,
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interop.Sys.Close(pidFd);
        }
    }

    /// <summary>
    /// The parent's name and executable (ECS <c>process.parent.*</c>): its stat gives the name and start time, and
    /// the executable is read once per parent process (the same pid and start time), so the children of one
    /// supervisor cost one stat read each. Nothing for pid 0 (the kernel's own threads' parent) or a parent gone.
    /// </summary>
    private ParentIdentity ReadParent(int rootFd, int parentPid, ref byte[] buffer)
    {
        if (parentPid <= 0)
        {
            return default;
        }
        int parentFd = OpenProcess(rootFd, parentPid);
        if (parentFd < 0)
        {
            return default;
        }
        try
        {
            int length = ProcFs.ReadFile(parentFd, "stat\0"u8, ref buffer);
            if (length < 0 || !ProcStatParser.TryParse(buffer.AsSpan(0, length), out ProcStat stat))
            {
                return default;
            }
            var key = (parentPid, stat.StartTimeTicks);
            if (!_parentExecutables.TryGetValue(key, out string? executable))
            {
                executable = ReadExecutable(parentFd);
                if (_parentExecutables.Count >= MaxCachedParents)
                {
                    _parentExecutables.Clear();
                }
                _parentExecutables[key] = executable;
            }
            return new ParentIdentity(stat.Name, executable);
        }
        finally
        {
            Interop.Sys.Close(parentFd);
        }
    }

    private readonly record struct ParentIdentity(string? Name, string? Executable);

    /// <summary>A descriptor of <c>/proc/&lt;pid&gt;</c> under the open proc root, or negative when the process is gone.</summary>
    private static int OpenProcess(int rootFd, int pid)
    {
        Span<byte> pidName = stackalloc byte[12];
        pid.TryFormat(pidName, out int written, provider: CultureInfo.InvariantCulture);
        return ProcFs.OpenDirectory(rootFd, pidName[..written]);
    }

    private static unsafe string? ReadExecutable(int pidFd)
    {
        // EACCES (another user's process without CAP_SYS_PTRACE) and ENOENT (kernel threads, zombies) give null.
        // A replaced binary reads "/usr/bin/x (deleted)"; that is what the kernel says, so it is kept.
        byte[] target = ArrayPool<byte>.Shared.Rent(ProcFs.MaxLinkLength);
        try
        {
            fixed (byte* name = "exe\0"u8)
            {
                int length = ProcFs.ReadLink(pidFd, name, target.AsSpan(0, ProcFs.MaxLinkLength));
                return length > 0 ? Encoding.UTF8.GetString(target, 0, length) : null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(target);
        }
    }

    private static CgroupIdentity? ParseCgroup(ReadOnlySpan<byte> cgroup)
    {
        // cgroup files are ASCII paths in practice; a byte-for-byte widening keeps the parser on chars without UTF-8 work.
        char[] chars = ArrayPool<char>.Shared.Rent(cgroup.Length);
        try
        {
            int count = Encoding.Latin1.GetChars(cgroup, chars);
            return CgroupPathParser.Parse(chars.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private DateTimeOffset? ToStartTime(ulong startTimeTicks)
    {
        long? boot = _bootTimeSeconds.Value;
        if (boot is null || s_clockTicksPerSecond <= 0)
        {
            return null;
        }
        // Ticks → 100 ns units without overflow: ticks * (10^7 / hz) for hz dividing 10^7 (100, 250, 1000).
        long ticks = (long)Math.Min(startTimeTicks, (ulong)long.MaxValue / TimeSpan.TicksPerSecond);
        long sinceBoot = ticks * TimeSpan.TicksPerSecond / s_clockTicksPerSecond;
        DateTimeOffset bootTime = DateTimeOffset.FromUnixTimeSeconds(boot.Value);
        return sinceBoot <= (DateTimeOffset.MaxValue - bootTime).Ticks ? bootTime.AddTicks(sinceBoot) : null;
    }

    private long? ReadBootTime()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        int rootFd = ProcFs.OpenDirectory(_rootPath);
        try
        {
            if (rootFd < 0)
            {
                return null;
            }
            int length = ProcFs.ReadFile(rootFd, "stat\0"u8, ref buffer);
            return length > 0 && BootTimeParser.TryParse(buffer.AsSpan(0, length), out long seconds) ? seconds : null;
        }
        finally
        {
            if (rootFd >= 0)
            {
                Interop.Sys.Close(rootFd);
            }
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static long ReadClockTicks()
    {
        long hz = Interop.Sys.SysConf(Interop.Sys._SC_CLK_TCK);
        return hz > 0 ? hz : 100;
    }
}
