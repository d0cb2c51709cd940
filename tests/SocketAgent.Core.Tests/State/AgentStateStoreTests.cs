using SocketAgent.Events;
using SocketAgent.State;

namespace SocketAgent.Tests.State;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AgentStateStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("socket-agent-state-").FullName;

    private string StateDir => Path.Combine(_root, "state");

    [Fact]
    public void A_fresh_directory_is_created_0750_with_a_new_agent_id_and_sequence_0()
    {
        using AgentStateStore store = AgentStateStore.Open(StateDir);

        Assert.Equal(AgentStateStore.DirectoryMode, File.GetUnixFileMode(StateDir));
        Assert.True(Guid.TryParseExact(store.AgentId, "D", out _));
        Assert.Equal(store.AgentId + "\n", File.ReadAllText(Path.Combine(StateDir, "agent-id")));
        Assert.Equal(0, store.LastSequence);
        Assert.Equal((0, 0), SequenceFile.Read(Path.Combine(StateDir, "event-sequence")));
    }

    [Fact]
    public void Reopening_keeps_the_agent_id_and_the_saved_sequence()
    {
        AgentStateStore first = AgentStateStore.Open(StateDir);
        first.SaveSequence(41);
        first.SaveSequence(42);
        first.Dispose();

        using AgentStateStore second = AgentStateStore.Open(StateDir);

        Assert.Equal(first.AgentId, second.AgentId);
        Assert.Equal(42, second.LastSequence);
        Assert.Equal(43, second.CreateSequencer().Next().Sequence);
    }

    [Fact]
    public void Saving_leaves_no_temporary_file_behind()
    {
        using AgentStateStore store = AgentStateStore.Open(StateDir);
        for (int i = 1; i <= 20; i++)
        {
            store.SaveSequence(i);
        }

        Assert.Equal(["agent-id", "event-sequence", "lock"], Directory.GetFiles(StateDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal((20, 20), SequenceFile.Read(Path.Combine(StateDir, "event-sequence")));
    }

    [Fact]
    public void A_leftover_temporary_file_from_a_crash_is_ignored_and_replaced()
    {
        using (AgentStateStore first = AgentStateStore.Open(StateDir))
        {
            first.SaveSequence(7);
        }
        File.WriteAllText(Path.Combine(StateDir, "event-sequence.tmp"), "99");

        using AgentStateStore store = AgentStateStore.Open(StateDir);

        Assert.Equal(7, store.LastSequence);
        Assert.False(File.Exists(Path.Combine(StateDir, "event-sequence.tmp")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("-5")]
    [InlineData("99999999999999999999999")]
    public void A_corrupt_sequence_file_gives_a_warning_and_starts_again_at_1(string content)
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(Path.Combine(StateDir, "event-sequence"), content);
        var warnings = new List<string>();

        using AgentStateStore store = AgentStateStore.Open(StateDir, warnings.Add);

        Assert.Equal(0, store.LastSequence);
        Assert.Contains(Path.Combine(StateDir, "event-sequence"), Assert.Single(warnings));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-uuid")]
    public void A_corrupt_agent_id_is_refused_naming_the_file(string content)
    {
        Directory.CreateDirectory(StateDir);
        string path = Path.Combine(StateDir, "agent-id");
        File.WriteAllText(path, content);

        var ex = Assert.Throws<AgentStateException>(() => AgentStateStore.Open(StateDir));

        Assert.Equal(path, ex.Path);
        Assert.Contains(path, ex.Message);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void A_directory_that_cannot_be_created_is_refused_naming_it()
    {
        // A regular file where a parent directory should be: refused even to root.
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "x");
        string stateDir = Path.Combine(file, "state");

        var ex = Assert.Throws<AgentStateException>(() => AgentStateStore.Open(stateDir));

        Assert.Contains(stateDir, ex.Message);
    }

    [Fact]
    public void A_directory_that_cannot_be_written_is_refused_naming_it()
    {
        // /proc/self exists but takes no new files, even from root.
        var ex = Assert.Throws<AgentStateException>(() => AgentStateStore.Open("/proc/self"));

        Assert.Contains("/proc/self", ex.Message);
    }

    [Fact]
    public void The_identity_keeps_the_agent_id_and_gets_a_new_ephemeral_id_per_run()
    {
        string bootId = Path.Combine(_root, "boot_id");
        File.WriteAllText(bootId, "AB55EF87-83CC-4EB0-8859-9773422F9AE9\n");
        AgentIdentity first;
        using (AgentStateStore store = AgentStateStore.Open(StateDir))
        {
            first = store.CreateIdentity("1.2.3", bootId);
        }
        using AgentStateStore again = AgentStateStore.Open(StateDir);
        AgentIdentity second = again.CreateIdentity("1.2.3", bootId);

        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.EphemeralId, second.EphemeralId);
        Assert.Equal("1.2.3", first.Version);
        Assert.Equal("ab55ef87-83cc-4eb0-8859-9773422f9ae9", first.BootId);
    }

    [Fact]
    public void The_real_boot_id_is_read()
    {
        string? bootId = BootIdReader.Read();

        Assert.NotNull(bootId);
        Assert.Equal(File.ReadAllText(BootIdReader.DefaultPath).Trim(), bootId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("boot")]
    public void A_boot_id_that_is_not_a_uuid_is_null(string text) => Assert.Null(BootIdReader.Parse(text));

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
