using SocketAgent.State;

namespace SocketAgent.Tests.State;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DirectorySyncTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("socket-agent-dirsync-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_real_directory_is_synced()
    {
        File.WriteAllText(Path.Combine(_root, "file"), "x");

        DirectorySync.Flush(_root);
        DirectorySync.Flush(_root + "/");
    }

    [Fact]
    public void A_missing_directory_is_an_error_naming_it()
    {
        string missing = Path.Combine(_root, "missing");

        IOException ex = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));

        Assert.Contains(missing, ex.Message);
        Assert.Equal(2, ex.HResult); // ENOENT
    }

    [Fact]
    public void A_file_is_not_a_directory_and_is_an_error_naming_it()
    {
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "x");

        IOException ex = Assert.Throws<IOException>(() => DirectorySync.Flush(file));

        Assert.Contains(file, ex.Message);
        Assert.Equal(20, ex.HResult); // ENOTDIR
    }

    [Fact]
    public void Creating_nested_directories_creates_each_with_the_mode()
    {
        string nested = Path.Combine(_root, "a", "b", "c");

        DirectorySync.CreateDirectory(nested, AgentStateStore.DirectoryMode);
        DirectorySync.CreateDirectory(nested, AgentStateStore.DirectoryMode); // already there: fine

        Assert.True(Directory.Exists(nested));
        Assert.Equal(AgentStateStore.DirectoryMode, File.GetUnixFileMode(nested));
    }
}
