using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Deployment;
using SocketAgent.Tests.Encoders.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// A real Docker Engine of the test's own (its own socket, data and exec roots, no bridge, no iptables), an image
/// imported from a static busybox, containers on the host network listening: the socket lines carry the container's
/// name, image and labels beside its id. With the engine stopped the ids still go out, with one warning, and the
/// names come back when it returns.
/// </summary>
public sealed class DockerNamesTests : IDisposable
{
    private const string Image = "socket-agent-test/busybox";
    private const string Tag = "1.0";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sa-dockerd-");
    private Process? _engine;

    private string Socket => Path.Combine(_root.FullName, "docker.sock");

    [Fact]
    public void A_containers_socket_is_named_by_its_container_image_and_labels()
    {
        StartEngineOrSkip();
        ImportImage();
        int port = LoopbackPort.Free();
        string id = Docker("run", "-d", "--network", "host", "--name", "sa-web", "--label", "app=web", "--label", "tier=front",
            $"{Image}:{Tag}", "/bin/busybox", "nc", "-l", "-p", port.ToString(CultureInfo.InvariantCulture), "-e", "/bin/busybox", "true").Trim();
        WaitForListener(port);

        AgentProcess.Result result = DaemonProcess.Run(["--once", "-t", "-l"], Environment());
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        JsonElement line = new AgentLines(result.Lines).Where("tcp").Single(d => Num(d, "server.port") == port);
        SchemaValidator.AssertValid(line.GetRawText());

        Assert.Equal(id, Str(line, "container.id"));
        Assert.Equal("docker", Str(line, "container.runtime"));
        Assert.Equal("sa-web", Str(line, "container.name"));
        Assert.Equal(Image, Str(line, "container.image.name"));
        Assert.Equal([Tag], Get(line, "container.image.tag")!.Value.EnumerateArray().Select(static t => t.GetString()));
        Assert.Equal("web", Str(line, "container.labels.app"));
        Assert.Equal("front", Str(line, "container.labels.tier"));
    }

    [Fact]
    public void With_the_engine_stopped_ids_still_go_out_with_one_warning_and_the_names_come_back_with_it()
    {
        StartEngineOrSkip();
        ImportImage();
        int port = LoopbackPort.Free();
        // Listens only once the test says so (a file the host writes into the container's root): its socket, and so
        // its container id, first reaches the agent while the engine is down. --live-restore keeps it running then.
        string script = $"while [ ! -e /go ]; do /bin/busybox sleep 0.1; done; /bin/busybox nc -ll -p {port} -e /bin/busybox true";
        string id = Docker("run", "-d", "--network", "host", "--name", "sa-late", $"{Image}:{Tag}", "/bin/busybox", "sh", "-c", script).Trim();
        int containerPid = int.Parse(Docker("inspect", "-f", "{{.State.Pid}}", id).Trim(), CultureInfo.InvariantCulture);

        // Something for the first snapshot to list, so its lines say the agent is up.
        using var marker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        marker.Start();
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--state-dir", Path.Combine(_root.FullName, "state"), "-t"], Environment());
        Wait(agent, static l => l.Contains("\"action\":\"snapshot\"", StringComparison.Ordinal), "the first snapshot");
        StopEngine();

        File.WriteAllText($"/proc/{containerPid}/root/go", "");
        JsonElement opened = Parse(Wait(agent, l => Parse(l) is var e && Str(e, "event.action") == "opened" && Num(e, "server.port") == port,
            $"the listener on {port} opened"));
        Assert.Equal(id, Str(opened, "container.id"));
        Assert.Null(Str(opened, "container.name"));

        StartEngine();
        // A connection to the listener after the engine's retry time: its accepted socket's line is named again.
        JsonElement named = default;
        for (int attempt = 0; attempt < 40 && named.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            using (var client = new System.Net.Sockets.TcpClient())
            {
                client.Connect(System.Net.IPAddress.Loopback, port);
            }
            Thread.Sleep(500);
            named = agent.AllLines.Select(Parse).FirstOrDefault(e => Str(e, "container.id") == id && Str(e, "container.name") == "sa-late");
        }
        Assert.True(named.ValueKind != JsonValueKind.Undefined, "no line named the container after the engine came back; its lines:\n"
            + string.Join('\n', agent.AllLines.Where(l => l.Contains(id, StringComparison.Ordinal)).TakeLast(4)) + "\nstderr: " + agent.StandardError);

        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
        string stderr = agent.StandardError;
        Assert.Equal(1, CountOf(stderr, "does not answer"));
        Assert.Equal(1, CountOf(stderr, "answers again"));
    }

    private static string Wait(DaemonProcess agent, Func<string, bool> predicate, string what)
    {
        try
        {
            return agent.WaitForLine(predicate, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no line for {what} in 30 s; {agent.AllLines.Count} lines, the last: {agent.AllLines.LastOrDefault()}; stderr: {agent.StandardError}");
            throw;
        }
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static int CountOf(string text, string what) =>
        text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    private Dictionary<string, string> Environment() => new() { ["SOCKETAGENT_CONTAINERS__DOCKER_SOCKET"] = Socket };

    private void StartEngineOrSkip()
    {
        Assert.SkipWhen(System.Environment.UserName != "root", "a Docker Engine needs root");
        Assert.SkipWhen(!File.Exists("/usr/sbin/dockerd") && !File.Exists("/usr/bin/dockerd"),
            "no dockerd here (apt-get install docker.io; tests/run-tests.sh installs it)");
        Assert.SkipWhen(!File.Exists("/bin/busybox"), "no static busybox for the test image (apt-get install busybox-static)");
        StartEngine();
    }

    private void StartEngine()
    {
        var info = new ProcessStartInfo("dockerd")
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
        _engine = Process.Start(info)!;
        _engine.OutputDataReceived += static (_, _) => { };
        _engine.ErrorDataReceived += static (_, _) => { };
        _engine.BeginOutputReadLine();
        _engine.BeginErrorReadLine();
        for (int i = 0; i < 150; i++)
        {
            if (TryDocker(out _, "info"))
            {
                return;
            }
            Thread.Sleep(200);
        }
        throw new InvalidOperationException("the test's dockerd did not answer within 30 s");
    }

    private void StopEngine()
    {
        if (_engine is null)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", _engine.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            term.WaitForExit();
        }
        if (!_engine.WaitForExit(30_000))
        {
            _engine.Kill();
            _engine.WaitForExit();
        }
        _engine.Dispose();
        _engine = null;
    }

    private void ImportImage()
    {
        string rootfs = Path.Combine(_root.FullName, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "bin", "sh"), "busybox");
        string tar = Path.Combine(_root.FullName, "rootfs.tar");
        Run("tar", "-C", rootfs, "-cf", tar, ".");
        Docker("import", tar, $"{Image}:{Tag}");
    }

    private void WaitForListener(int port)
    {
        for (int i = 0; i < 100; i++)
        {
            if (File.ReadAllText("/proc/net/tcp6").Contains($":{port:X4} ", StringComparison.Ordinal)
                || File.ReadAllText("/proc/net/tcp").Contains($":{port:X4} ", StringComparison.Ordinal))
            {
                return;
            }
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"the container never listened on {port}");
    }

    private string Docker(params string[] args)
    {
        if (!TryDocker(out string output, args))
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)}: {output}");
        }
        return output;
    }

    private bool TryDocker(out string output, params string[] args) => TryRun(out output, "docker", ["-H", $"unix://{Socket}", .. args]);

    private static void Run(string file, params string[] args)
    {
        if (!TryRun(out string output, file, args))
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {output}");
        }
    }

    private static bool TryRun(out string output, string file, string[] args)
    {
        ToolRun.Result result = ToolRun.Run(file, args, TimeSpan.FromSeconds(120));
        output = result.StandardOutput + result.StandardError;
        return result.ExitCode == 0;
    }

    public void Dispose()
    {
        try
        {
            if (_engine is null && File.Exists("/usr/sbin/dockerd") && Directory.Exists(Path.Combine(_root.FullName, "data")))
            {
                StartEngine(); // live-restored containers are removed through their engine
            }
            if (_engine is not null)
            {
                TryDocker(out string ids, "ps", "-aq");
                foreach (string id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    TryDocker(out _, "rm", "-f", id.Trim());
                }
            }
        }
        finally
        {
            StopEngine();
            // What dockerd mounted under its roots (the default netns, overlays) goes before the directory.
            foreach (string mount in File.ReadAllLines("/proc/mounts").Select(static l => l.Split(' ')[1])
                .Where(m => m.StartsWith(_root.FullName, StringComparison.Ordinal)).OrderByDescending(static m => m.Length))
            {
                TryRun(out _, "umount", ["-l", mount]);
            }
            try
            {
                _root.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
