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
        // fsync(2) of a directory leaves no trace one could check afterwards, so the real call goes through the seam,
        // which notes what the descriptor it was given is open on at that moment.
        var synced = new List<string?>();
        int Counting(int fd)
        {
            synced.Add(new FileInfo($"/proc/self/fd/{fd}").LinkTarget);
            return SocketAgent.Interop.Sys.FSync(fd);
        }

        DirectorySync.Flush(_root, Counting);
        DirectorySync.Flush(_root + "/", Counting);

        Assert.Equal([_root, _root], synced);
    }

    [Fact]
    public void An_interrupted_sync_is_retried_and_a_failed_one_is_an_error_naming_the_directory()
    {
        var errors = new Queue<int>([4 /* EINTR */, 4, 0]);
        int calls = 0;
        DirectorySync.Flush(_root, _ => Fail(errors.Dequeue()));
        Assert.Empty(errors);

        IOException ex = Assert.Throws<IOException>(() => DirectorySync.Flush(_root, _ => Fail(5 /* EIO */)));
        Assert.Contains(_root, ex.Message);
        Assert.Equal(5, ex.HResult);
        Assert.Equal(4, calls);

        DirectorySync.Flush(_root, _ => Fail(22 /* EINVAL: the file system cannot sync directories */));
        Assert.Equal(5, calls);

        int Fail(int errno)
        {
            calls++;
            System.Runtime.InteropServices.Marshal.SetLastPInvokeError(errno);
            return errno == 0 ? 0 : -1;
        }
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
