using System.Diagnostics;
using SocketAgent.State;

namespace SocketAgent.Tests.State;

/// <summary>One agent per state directory: <c>lock</c> is flocked for the life of the store, with the holder's pid.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StateDirectoryLockTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("socket-agent-lock-").FullName;

    private string StateDir => Path.Combine(_root, "state");

    private string LockPath => Path.Combine(StateDir, "lock");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_second_store_on_the_same_directory_is_refused_naming_the_lock_and_the_holder_until_the_first_is_disposed()
    {
        AgentStateStore first = AgentStateStore.Open(StateDir);
        first.SaveSequence(5);

        var ex = Assert.Throws<AgentStateException>(() => AgentStateStore.Open(StateDir));

        Assert.Equal(LockPath, ex.Path);
        Assert.Contains(LockPath, ex.Message);
        Assert.Contains($"pid {Environment.ProcessId}", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal((5, 5), SequenceFile.Read(Path.Combine(StateDir, "event-sequence"))); // the refused one wrote nothing

        first.Dispose();
        using AgentStateStore second = AgentStateStore.Open(StateDir);
        Assert.Equal(5, second.LastSequence);
    }

    [Fact]
    public void The_lock_file_holds_the_holders_pid_and_a_leftover_pid_is_not_a_lock()
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(LockPath, "4194304999\n"); // a longer pid than ours, from a process long gone

        AgentStateStore.Open(StateDir).Dispose();

        Assert.Equal($"{Environment.ProcessId}\n", File.ReadAllText(LockPath));
    }

    [Fact]
    public void A_lock_held_by_another_process_refuses_naming_its_pid_and_its_death_by_sigkill_releases_it()
    {
        Directory.CreateDirectory(StateDir);
        // Another process on the same lock file, the way a second agent would hold it: flock, then its pid.
        const string Script = "import fcntl, os, sys, time\n"
            + "f = open(sys.argv[1], 'r+')\n"
            + "fcntl.flock(f, fcntl.LOCK_EX)\n"
            + "f.truncate(0); f.write(str(os.getpid()) + '\\n'); f.flush()\n"
            + "print('locked', flush=True)\n"
            + "time.sleep(60)\n";
        File.WriteAllText(LockPath, "");
        var start = new ProcessStartInfo("python3", ["-c", Script, LockPath]) { UseShellExecute = false, RedirectStandardOutput = true };
        using Process holder = Process.Start(start)!;
        try
        {
            Assert.Equal("locked", holder.StandardOutput.ReadLine());

            var ex = Assert.Throws<AgentStateException>(() => AgentStateStore.Open(StateDir));

            Assert.Contains(LockPath, ex.Message);
            Assert.Contains($"in use by pid {holder.Id}", ex.Message);
        }
        finally
        {
            holder.Kill(); // SIGKILL: no cleanup, the lock file stays with its pid
            holder.WaitForExit();
        }

        using AgentStateStore store = AgentStateStore.Open(StateDir);
    }

    [Fact]
    public void Every_saved_sequence_is_written_and_synced()
    {
        using AgentStateStore store = AgentStateStore.Open(StateDir);
        long before = store.SequenceWrites;

        store.SaveSequence(1);
        store.SaveSequence(2);

        Assert.Equal(before + 2, store.SequenceWrites);
    }
}
