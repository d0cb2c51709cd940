namespace SocketAgent.Tests.Collection.Processes;

/// <summary>A throwaway directory laid out like /proc: pid directories with stat/cmdline/status/cgroup, exe and fd/N symlinks.</summary>
internal sealed class FakeProcRoot : IDisposable
{
    public FakeProcRoot()
    {
        Path = Directory.CreateTempSubdirectory("socket-agent-proc-").FullName;
        File.Copy(ProcessFixtures.Path("proc-stat"), System.IO.Path.Combine(Path, "stat"));
    }

    public string Path { get; }

    /// <summary>Adds a process; <paramref name="fds"/> maps fd numbers to link targets (null: no fd directory, as after exit).</summary>
    public void AddProcess(int pid, string stat, byte[] cmdline, string? exe, IReadOnlyDictionary<int, string>? fds, string uidLine = "Uid:\t0\t0\t0\t0", string cgroup = "0::/\n")
    {
        string dir = System.IO.Path.Combine(Path, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllText(System.IO.Path.Combine(dir, "stat"), stat);
        File.WriteAllBytes(System.IO.Path.Combine(dir, "cmdline"), cmdline);
        File.WriteAllText(System.IO.Path.Combine(dir, "status"), $"Name:\tx\n{uidLine}\n");
        File.WriteAllText(System.IO.Path.Combine(dir, "cgroup"), cgroup);
        if (exe is not null)
        {
            File.CreateSymbolicLink(System.IO.Path.Combine(dir, "exe"), exe);
        }
        if (fds is not null)
        {
            string fdDir = System.IO.Path.Combine(dir, "fd");
            Directory.CreateDirectory(fdDir);
            foreach ((int fd, string target) in fds)
            {
                File.CreateSymbolicLink(System.IO.Path.Combine(fdDir, fd.ToString(System.Globalization.CultureInfo.InvariantCulture)), target);
            }
        }
    }

    public static string Stat(int pid, string comm, int ppid, ulong startTicks) =>
        $"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 {startTicks} 1000 100 18446744073709551615 0\n";

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
