using System.Diagnostics;
using SocketAgent.Events;
using SocketAgent.State;

namespace SocketAgent.Tests.State;

/// <summary>
/// <c>event.sequence</c> is reserved on disk before it is used: whatever ends a run, the next one starts above every
/// number the first could have handed out, and names the ones that may be missing.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SequenceReservationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("socket-agent-seq-").FullName;

    private string StateDir => Path.Combine(_root, "state");
    private string SequencePath => Path.Combine(StateDir, AgentStateStore.SequenceFileName);

    [Fact]
    public void A_number_is_on_disk_before_it_is_handed_out()
    {
        using AgentStateStore store = AgentStateStore.Open(StateDir);
        EventSequencer sequencer = store.CreateSequencer();

        EventStamp first = sequencer.Next();

        Assert.Equal(1, first.Sequence);
        Assert.Equal(AgentStateStore.ReservationBlock, SequenceFile.Read(SequencePath).Reserved);
        for (int i = 2; i <= AgentStateStore.ReservationBlock; i++)
        {
            sequencer.Next();
        }
        Assert.Equal(AgentStateStore.ReservationBlock, SequenceFile.Read(SequencePath).Reserved);
        sequencer.Next();
        Assert.Equal(2 * AgentStateStore.ReservationBlock, SequenceFile.Read(SequencePath).Reserved);
    }

    [Fact]
    public void After_a_run_that_did_not_stop_cleanly_the_next_starts_above_its_reservation_and_names_the_gap()
    {
        AgentStateStore crashed = AgentStateStore.Open(StateDir);
        EventSequencer sequencer = crashed.CreateSequencer();
        for (int i = 0; i < 10; i++)
        {
            sequencer.Next();
        }
        crashed.SaveSequence(7); // lines 1..7 flushed; 8..10 handed out, then the process died
        crashed.Dispose(); // releases the lock as the kernel would; no clean stop

        using AgentStateStore next = AgentStateStore.Open(StateDir);

        Assert.Equal(AgentStateStore.ReservationBlock, next.LastSequence);
        Assert.Equal((8L, (long)AgentStateStore.ReservationBlock), next.UncleanStop);
        Assert.Equal(AgentStateStore.ReservationBlock + 1, next.CreateSequencer().Next().Sequence);
    }

    [Fact]
    public void A_clean_stop_gives_the_rest_of_the_block_back()
    {
        using (AgentStateStore first = AgentStateStore.Open(StateDir))
        {
            EventSequencer sequencer = first.CreateSequencer();
            sequencer.Next();
            sequencer.Next();
            first.SaveSequence(2);
            first.SaveCleanStop(2);
        }

        using AgentStateStore next = AgentStateStore.Open(StateDir);

        Assert.Null(next.UncleanStop);
        Assert.Equal(3, next.CreateSequencer().Next().Sequence);
    }

    [Fact]
    public void A_file_of_the_previous_format_is_a_clean_stop_at_its_number_and_is_rewritten()
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(SequencePath, "42\n");

        using AgentStateStore store = AgentStateStore.Open(StateDir);

        Assert.Equal(42, store.LastSequence);
        Assert.Null(store.UncleanStop);
        Assert.StartsWith("v2 ", File.ReadAllText(SequencePath), StringComparison.Ordinal);
        Assert.Equal((42, 42), SequenceFile.Read(SequencePath));
    }

    [Fact]
    public void A_torn_write_leaves_the_previous_slot_to_read()
    {
        using (AgentStateStore store = AgentStateStore.Open(StateDir))
        {
            store.SaveSequence(10);
            store.SaveSequence(20);
        }
        // Tear the newest slot: the one holding 20 (compare the slots' text to find it).
        byte[] content = File.ReadAllBytes(SequencePath);
        int half = content.Length / 2;
        int newest = System.Text.Encoding.ASCII.GetString(content, 0, half).Contains(" r=20 ", StringComparison.Ordinal) ? 0 : half;
        content[newest + 10] ^= 0x55;
        File.WriteAllBytes(SequencePath, content);

        using AgentStateStore reopened = AgentStateStore.Open(StateDir);

        Assert.Equal(10, reopened.LastSequence);
    }

    [Fact]
    public void Numbers_are_still_reserved_on_a_full_disk()
    {
        Assert.SkipUnless(Environment.UserName == "root", "mounting a tmpfs needs root");
        string mount = Path.Combine(_root, "tiny");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount);
        try
        {
            string state = Path.Combine(mount, "state");
            using AgentStateStore store = AgentStateStore.Open(state);
            EventSequencer sequencer = store.CreateSequencer();
            sequencer.Next();
            // Fill the file system to the last byte.
            using (var filler = new FileStream(Path.Combine(mount, "filler"), FileMode.Create))
            {
                byte[] block = new byte[4096];
                IOException? full = null;
                try
                {
                    for (int i = 0; i < 1024; i++)
                    {
                        filler.Write(block);
                        filler.Flush();
                    }
                }
                catch (IOException ex)
                {
                    full = ex;
                }
                Assert.NotNull(full); // ENOSPC: the disk is full
            }

            // Three more blocks reserved, and the flushed mark saved, with not one free byte left.
            long last = 3 * AgentStateStore.ReservationBlock + 1;
            for (long i = 1; i < last; i++)
            {
                sequencer.Next();
            }
            store.SaveSequence(last);

            Assert.Equal(0, store.UnsavedReservations);
            (long reserved, long flushed) = SequenceFile.Read(Path.Combine(state, AgentStateStore.SequenceFileName));
            Assert.Equal(last, flushed);
            Assert.True(reserved >= last, $"reserved {reserved} < {last}");
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using Process process = Process.Start(program, args);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
