using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using SocketAgent.Tests.Deployment;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// A real Docker Engine of the tests' own: its own API socket, data root, exec root and pidfile under one temporary
/// directory, no bridge and no iptables rules (containers use the host network), <c>--live-restore</c> (a test may
/// stop it and find its containers still running). It never touches an engine someone else runs on this machine.
/// Shared by the tests of <see cref="PrivateDockerEngineCollection"/>: started by the first test that needs it, kept
/// for the others, and at the end of the collection its containers are removed, the engine stopped, what it mounted
/// unmounted and its directory (images and all) deleted.
/// </summary>
public sealed class PrivateDockerEngine : IDisposable
{
    /// <summary>The name of the busybox image <see cref="ImportBusybox"/> imports.</summary>
    public const string BusyboxImage = "socket-agent-test/busybox:1.0";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sa-dockerd-");
    private readonly ConcurrentDictionary<string, Lazy<object>> _made = new();
    private Process? _process;
    private bool _started;

    public string Socket => Path.Combine(_root.FullName, "docker.sock");

    /// <summary>A directory of the engine's own, deleted with it: scratch space for the tests that use it.</summary>
    public string Scratch => Directory.CreateDirectory(Path.Combine(_root.FullName, "scratch")).FullName;

    /// <summary>For tools that talk to the engine through the docker CLI's environment (a script that runs docker).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["DOCKER_HOST"] = $"unix://{Socket}",
        // The classic builder: BuildKit would pull its Dockerfile frontend from a registry for `# syntax=`.
        ["DOCKER_BUILDKIT"] = "0",
    };

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Skips the calling test where an engine cannot run here (not root, no dockerd); otherwise starts it once.</summary>
    public void StartOrSkip()
    {
        Assert.SkipWhen(System.Environment.UserName != "root", "a Docker Engine needs root");
        Assert.SkipWhen(ToolRun.Find("/usr/sbin/dockerd", "/usr/bin/dockerd") is null,
            "no dockerd here (apt-get install docker.io; tests/run-tests.sh installs it)");
        Assert.SkipWhen(ToolRun.Find("/usr/bin/docker", "/usr/local/bin/docker") is null, "no docker CLI here (apt-get install docker.io)");
        if (!IsRunning)
        {
            Start();
        }
    }

    /// <summary>Starts the engine (again, after <see cref="Stop"/>: same data root, so live-restored containers come back).</summary>
    public void Start()
    {
        var info = new ProcessStartInfo(ToolRun.Find("/usr/sbin/dockerd", "/usr/bin/dockerd") ?? "dockerd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "--host", $"unix://{Socket}", "--data-root", Path.Combine(_root.FullName, "data"), "--exec-root", Path.Combine(_root.FullName, "exec"),
            "--pidfile", Path.Combine(_root.FullName, "dockerd.pid"), "--iptables=false", "--ip6tables=false", "--bridge=none", "--live-restore",
        })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("dockerd did not start");
        _started = true;
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_startTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the tests' dockerd exited at start with {_process.ExitCode}");
            }
            if (TryDocker(out _, "info"))
            {
                return;
            }
            Thread.Sleep(200);
        }
        throw new InvalidOperationException($"the tests' dockerd did not answer within {s_startTimeout.TotalSeconds} s");
    }

    /// <summary>Stops the engine with SIGTERM (its containers keep running: live restore), waiting for it to exit.</summary>
    public void Stop()
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.HasExited)
        {
            ToolRun.Run("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            if (!_process.WaitForExit(30_000))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Runs the docker CLI against this engine; throws with what it printed when it fails.</summary>
    public string Docker(params string[] args) => Docker(TimeSpan.FromSeconds(120), args);

    public string Docker(TimeSpan timeout, params string[] args)
    {
        ToolRun.Result result = Run(timeout, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)}: {result}");
        }
        return result.StandardOutput;
    }

    public bool TryDocker(out string output, params string[] args)
    {
        ToolRun.Result result = Run(TimeSpan.FromSeconds(120), args);
        output = result.StandardOutput + result.StandardError;
        return result.ExitCode == 0;
    }

    /// <summary>The docker CLI against this engine, whatever its exit code.</summary>
    public ToolRun.Result Run(TimeSpan timeout, params string[] args) =>
        ToolRun.Run(ToolRun.Find("/usr/bin/docker", "/usr/local/bin/docker") ?? "docker", ["-H", $"unix://{Socket}", .. args], timeout,
            environment: Environment);

    /// <summary>
    /// Something made once on this engine (an image) and shared by the tests that need it; a failure is kept and
    /// thrown again to each of them rather than repeated.
    /// </summary>
    public T Once<T>(string what, Func<T> make) where T : notnull =>
        (T)_made.GetOrAdd(what, _ => new Lazy<object>(() => make(), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>An image of a static busybox (<c>/bin/busybox</c>, <c>/bin/sh</c>), imported once.</summary>
    public string ImportBusybox()
    {
        Assert.SkipWhen(!File.Exists("/bin/busybox"), "no static busybox for the test image (apt-get install busybox-static)");
        return Once(BusyboxImage, () =>
        {
            string rootfs = Path.Combine(Scratch, "busybox-rootfs");
            Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
            File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", "sh"), "busybox");
            string tar = Path.Combine(Scratch, "busybox-rootfs.tar");
            ToolRun.Result packed = ToolRun.Run("tar", ["-C", rootfs, "-cf", tar, "."], TimeSpan.FromSeconds(60));
            Assert.True(packed.ExitCode == 0, $"tar: {packed}");
            Docker("import", tar, BusyboxImage);
            File.Delete(tar);
            Directory.Delete(rootfs, recursive: true);
            return BusyboxImage;
        });
    }

    /// <summary>
    /// Removes every container of this engine (each test removes what it ran this way); starts the engine again
    /// first if a test stopped it, since containers kept running by live restore are removed through it.
    /// </summary>
    public void RemoveContainers()
    {
        if (!_started)
        {
            return;
        }
        if (!IsRunning)
        {
            Start();
        }
        TryDocker(out string ids, "ps", "-aq");
        foreach (string id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            TryDocker(out _, "rm", "-f", "-v", id.Trim());
        }
    }

    public void Dispose()
    {
        try
        {
            RemoveContainers();
        }
        catch (InvalidOperationException)
        {
            // An engine that does not start again: its containers' processes go with the directory's mounts below.
        }
        finally
        {
            Stop();
            // What dockerd mounted under its roots (the default netns, overlays) goes before the directory.
            foreach (string mount in File.ReadAllLines("/proc/mounts").Select(static l => l.Split(' ')[1])
                .Where(m => m.StartsWith(_root.FullName, StringComparison.Ordinal)).OrderByDescending(static m => m.Length))
            {
                ToolRun.Run("umount", ["-l", mount], TimeSpan.FromSeconds(30));
            }
            try
            {
                _root.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

/// <summary>
/// The tests that use <see cref="PrivateDockerEngine"/>: one engine for all of them, and they run one at a time (one
/// may stop the engine), after the parallel tests: the image build compiles on every core for minutes, and timing
/// tests running beside it would measure it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivateDockerEngineCollection : ICollectionFixture<PrivateDockerEngine>
{
    public const string Name = "Private Docker engine";
}
