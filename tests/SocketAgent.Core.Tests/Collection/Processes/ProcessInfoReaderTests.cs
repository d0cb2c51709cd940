using SocketAgent.Collection.Processes;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Processes;

public class ProcessInfoReaderTests
{
    private const string ContainerId = "3e2b3fa2c1a8dbcb9a5bd4dfce5ad0a0f4b5e2a6fa1c7ff0a1f8ebcb2e7b8d11";

    [Fact]
    public void ReadsCapturedProcessFiles()
    {
        using var root = new FakeProcRoot();
        root.AddProcess(9221, File.ReadAllText(ProcessFixtures.Path("python", "stat")), ProcessFixtures.Read("python", "cmdline"),
            "/usr/bin/python3.11", fds: null, uidLine: "Uid:\t1000\t0\t0\t0", cgroup: $"0::/system.slice/docker-{ContainerId}.scope\n");
        Assert.True(BootTimeParser.TryParse(ProcessFixtures.Read("proc-stat"), out long bootTime));

        ProcessInfo info = new ProcessInfoReader(root.Path).Read(9221)!;

        Assert.Equal(9221, info.Pid);
        Assert.Equal(9208, info.ParentPid);
        Assert.Equal("python3", info.Name);
        Assert.Equal(["/root/.pyenv/versions/3.11.7/bin/python3", "-c", "import time,sys; time.sleep(5)", "arg with spaces", "it's", "ünï ✓"], info.Args);
        Assert.Equal(@"/root/.pyenv/versions/3.11.7/bin/python3 -c 'import time,sys; time.sleep(5)' 'arg with spaces' 'it'\''s' 'ünï ✓'", info.CommandLine);
        Assert.Equal("/usr/bin/python3.11", info.Executable);
        Assert.Equal(1000u, info.Uid);
        // starttime 57543 ticks at USER_HZ 100 = 575.43 s after boot.
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(bootTime).AddMilliseconds(575_430), info.StartTime);
        Assert.Equal(ContainerId, info.ContainerId);
        Assert.Equal("python3", info.NetstatName);
    }

    [Fact]
    public void KernelThreadHasNoArgsNoExecutable()
    {
        using var root = new FakeProcRoot();
        root.AddProcess(2, File.ReadAllText(ProcessFixtures.Path("kthreadd", "stat")), [], exe: null, fds: null);

        ProcessInfo info = new ProcessInfoReader(root.Path).Read(2)!;

        Assert.Equal("kthreadd", info.Name);
        Assert.Empty(info.Args);
        Assert.Equal(string.Empty, info.CommandLine);
        Assert.Null(info.Executable);
        Assert.Null(info.ContainerId);
        Assert.Equal("root", info.UserName);
    }

    [Fact]
    public void DeletedExecutableIsReportedAsTheKernelSaysIt()
    {
        using var root = new FakeProcRoot();
        root.AddProcess(77, FakeProcRoot.Stat(77, "(a) b)", 1, 100), "x\0"u8.ToArray(), "/usr/sbin/nginx (deleted)", fds: null);

        ProcessInfo info = new ProcessInfoReader(root.Path).Read(77)!;

        Assert.Equal("(a) b)", info.Name);
        Assert.Equal("/usr/sbin/nginx (deleted)", info.Executable);
    }

    [Fact]
    public void The_parent_is_named_by_its_comm_and_executable_and_absent_when_gone()
    {
        using var root = new FakeProcRoot();
        root.AddProcess(40, FakeProcRoot.Stat(40, "supervisord", 1, 50), "/usr/bin/python3\0/usr/bin/supervisord\0"u8.ToArray(), "/usr/bin/python3.11", fds: null);
        root.AddProcess(41, FakeProcRoot.Stat(41, "worker", 40, 90), "worker\0"u8.ToArray(), "/srv/worker", fds: null);
        root.AddProcess(42, FakeProcRoot.Stat(42, "orphan", 39, 95), "orphan\0"u8.ToArray(), "/srv/orphan", fds: null);
        var reader = new ProcessInfoReader(root.Path);

        ProcessInfo worker = reader.Read(41)!;
        Assert.Equal((40, "supervisord", "/usr/bin/python3.11"), (worker.ParentPid, worker.ParentName, worker.ParentExecutable));

        // The parent (39) is gone: its pid stays, name and executable are absent, never guessed.
        ProcessInfo orphan = reader.Read(42)!;
        Assert.Equal((39, (string?)null, (string?)null), (orphan.ParentPid, orphan.ParentName, orphan.ParentExecutable));
    }

    [Fact]
    public void A_parent_pid_reused_by_another_process_is_read_again()
    {
        using var root = new FakeProcRoot();
        root.AddProcess(40, FakeProcRoot.Stat(40, "bash", 1, 50), "bash\0"u8.ToArray(), "/usr/bin/bash", fds: null);
        root.AddProcess(41, FakeProcRoot.Stat(41, "child", 40, 90), "child\0"u8.ToArray(), "/srv/child", fds: null);
        var reader = new ProcessInfoReader(root.Path);
        Assert.Equal("/usr/bin/bash", reader.Read(41)!.ParentExecutable);

        // pid 40 exits and is reused by nginx (another start time): the cached executable is not its.
        Directory.Delete(Path.Combine(root.Path, "40"), recursive: true);
        root.AddProcess(40, FakeProcRoot.Stat(40, "nginx", 1, 500), "nginx\0"u8.ToArray(), "/usr/sbin/nginx", fds: null);
        ProcessInfo child = reader.Read(41)!;
        Assert.Equal(("nginx", "/usr/sbin/nginx"), (child.ParentName, child.ParentExecutable));
    }

    [Fact]
    public void ThisProcess_names_its_parent()
    {
        ProcessInfo info = new ProcessInfoReader().Read(Environment.ProcessId)!;

        Assert.Equal(File.ReadAllText($"/proc/{info.ParentPid}/comm").TrimEnd('\n'), info.ParentName);
        Assert.Equal(new FileInfo($"/proc/{info.ParentPid}/exe").LinkTarget, info.ParentExecutable);
    }

    [Fact]
    public void MissingOrMalformedProcessIsNull()
    {
        using var root = new FakeProcRoot();
        root.AddProcess(5, "garbage", [], exe: null, fds: null);
        var reader = new ProcessInfoReader(root.Path);

        Assert.Null(reader.Read(5));
        Assert.Null(reader.Read(6));
    }

    [Fact]
    public void ReadsThisProcess()
    {
        ProcessInfo info = new ProcessInfoReader().Read(Environment.ProcessId)!;

        Assert.Equal(Environment.ProcessId, info.Pid);
        Assert.Equal(Environment.ProcessPath, info.Executable);
        Assert.Equal(Environment.GetCommandLineArgs().Length > 0, info.Args.Count > 0);
        Assert.InRange(info.StartTime!.Value, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddSeconds(5));
    }
}
