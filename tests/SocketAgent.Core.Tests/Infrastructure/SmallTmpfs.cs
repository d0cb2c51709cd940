using System.Diagnostics;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// A small tmpfs mounted for one test (shared by both test projects, linked into SocketAgent.Tests): a real ENOSPC
/// where the agent keeps its state, which a test can fill to the last byte (<see cref="Fill"/>) and free again
/// (<see cref="Free"/>). Mounting needs root: <see cref="Mount"/> skips the test otherwise. Unmounted on dispose.
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    private readonly string _root;
    private readonly string _filler;

    private SmallTmpfs(string root)
    {
        _root = root;
        Path = System.IO.Path.Combine(root, "mnt");
        _filler = System.IO.Path.Combine(Path, "filler");
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="kibibytes"/> KiB in a new temporary directory.</summary>
    public static SmallTmpfs Mount(int kibibytes)
    {
        Assert.SkipUnless(Environment.UserName == "root", "mounting a tmpfs needs root");
        var tmpfs = new SmallTmpfs(Directory.CreateTempSubdirectory("socket-agent-tmpfs-").FullName);
        Directory.CreateDirectory(tmpfs.Path);
        (int exit, string error) = Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k,mode=0755", "tmpfs", tmpfs.Path);
        if (exit != 0)
        {
            Directory.Delete(tmpfs._root, recursive: true);
            Assert.Skip($"cannot mount a small tmpfs here: {error}");
        }
        return tmpfs;
    }

    /// <summary>Bytes still free on the file system.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Fills the file system to the last byte with a filler file (appending to it if there is one).</summary>
    public void Fill()
    {
        using var filler = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 1);
        byte[] block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException ex) when (ex.HResult == 28)
        {
            // ENOSPC: full.
        }
    }

    /// <summary>Deletes the filler: what the test took is free again.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        (int exit, string error) = Run("umount", Path);
        if (exit != 0)
        {
            // Something still holds a file there (a child process not dead yet): detach it, so it goes when that ends.
            Run("umount", "-l", Path);
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"tmpfs {Path} left behind: {error}");
        }
    }

    private static (int ExitCode, string Error) Run(string file, params string[] arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Trim());
    }
}
