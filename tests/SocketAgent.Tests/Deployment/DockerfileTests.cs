using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Tracing;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// The Dockerfile: its build stage runs the very script CI runs; the image runs non-root with the measured file
/// capabilities, a health check, a state volume and OCI labels. The file-capability design is checked on this
/// kernel without Docker (a non-root process with exactly those file capabilities sees a root-owned socket's owner;
/// the two ways it fails are the documented ones). And the image itself, so that the image that ships is the image
/// that was tested: built from this Dockerfile (the native binary compiled inside the build stage) on the tests' own
/// Docker Engine, with local Debian bookworm bases where no registry is reachable (build/docker-local-bases.sh), then
/// run on this host as the Dockerfile's header says: it names a host listener's process, traces a short connection
/// with the eBPF source from inside the container as the non-root user, and its HEALTHCHECK command answers.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(PrivateDockerEngineCollection.Name)]
public sealed partial class DockerfileTests(PrivateDockerEngine engine) : IDisposable
{
    private const string PublishScript = "build/publish-aot.sh";
    private const string BasesScript = "build/docker-local-bases.sh";
    private const string ImageName = "socket-agent-test/image:tested";
    /// <summary>The Dockerfile header's build for Docker 20.10, which refuses <c>--cap-add BPF</c> and <c>PERFMON</c>.</summary>
    private const string Docker2010FileCaps = "cap_dac_read_search,cap_sys_ptrace,cap_sys_admin";
    /// <summary>The image's USER.</summary>
    private const int ImageUser = 65532;

    // Measured here on a loaded machine (load 12 on 2 cores): bases about 4 min, the build about 6 (clang and llvm
    // installed in the build stage, the AOT compile). Past these something hangs (a mirror that stopped answering):
    // the test fails saying which step.
    private static readonly TimeSpan s_basesTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_eventTimeout = TimeSpan.FromSeconds(60);

    private readonly List<DirectoryInfo> _made = [];

    private static string Dockerfile => RepositoryFiles.Read("Dockerfile");

    [Fact]
    public void The_build_stage_runs_the_same_publish_script_as_CI()
    {
        string script = RepositoryFiles.Read(PublishScript);
        Assert.Matches(@"dotnet publish src/SocketAgent/SocketAgent\.csproj -c Release -r linux-x64 -p:PublishAot=true", script);

        // CI: .ci/run → tests/run-tests.sh → tests/aot-check.sh → build/publish-aot.sh.
        Assert.Contains("tests/aot-check.sh", RepositoryFiles.Read("tests/run-tests.sh"));
        Assert.Contains(PublishScript, RepositoryFiles.Read("tests/aot-check.sh"));
        Assert.Matches(@"(?m)^RUN build/publish-aot\.sh /out$", Dockerfile);

        // No second publish command anywhere that could drift from the script.
        foreach (string file in new[] { "Dockerfile", "tests/aot-check.sh", "tests/run-tests.sh" })
        {
            Assert.DoesNotContain("dotnet publish", RepositoryFiles.Read(file).Split('\n').Where(static l => !l.TrimStart().StartsWith('#')).Aggregate("", string.Concat));
        }
        // What the runtime stage copies is what the script produces.
        Assert.Contains("COPY --from=build /out/socket-agent ", Dockerfile);
    }

    [Fact]
    public void The_image_runs_non_root_with_a_healthcheck_a_state_volume_and_labels()
    {
        string dockerfile = Dockerfile;

        Match user = Regex.Match(dockerfile, @"(?m)^USER (\d+)(:\d+)?$");
        Assert.True(user.Success, "no numeric USER (Kubernetes' runAsNonRoot can only check a numeric one)");
        Assert.NotEqual("0", user.Groups[1].Value);
        Assert.Matches(@"(?m)^HEALTHCHECK .*\\\n\s+CMD \[""/usr/local/bin/socket-agent"", ""healthcheck""\]", dockerfile);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""/usr/local/bin/socket-agent""\]$", dockerfile);
        Assert.Matches(@"(?m)^VOLUME \[""/var/lib/socket-agent""\]$", dockerfile);
        foreach (string label in new[] { "title", "description", "licenses", "version", "revision" })
        {
            Assert.Contains($"org.opencontainers.image.{label}=", dockerfile);
        }
        // The health check's default URL is the listener the default command opens.
        Assert.Contains(@"CMD [""--http-listen"", ""127.0.0.1:9464""]", dockerfile);
        Assert.Equal(2, Regex.Matches(dockerfile, @"(?m)^FROM ").Count);
    }

    [Fact]
    public void The_file_capabilities_are_exactly_the_measured_set()
    {
        Assert.Equal(RepositoryFiles.DocumentedCapabilities.Select(static c => "cap_" + c.ToLowerInvariant()).Order(), FileCapabilities().Order());
    }

    [Fact]
    public void A_non_root_process_with_the_images_file_capabilities_names_a_root_owned_sockets_process()
    {
        Assert.SkipUnless(Environment.UserName == "root", "setting file capabilities and switching users needs root");
        string? setcap = ToolRun.Find("/usr/sbin/setcap", "/sbin/setcap");
        Assert.SkipWhen(setcap is null, "setcap (libcap2-bin) is not installed");

        // The CLI's apphost and assemblies, copied: file capabilities are set on the copy, never on the build output.
        string dir = Directory.CreateTempSubdirectory("sa-filecaps-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            string binary = CopyCli(dir);
            ToolRun.Result set = ToolRun.Run(setcap!, [string.Join(',', FileCapabilities()) + "=ep", binary], TimeSpan.FromSeconds(10));
            Assert.True(set.ExitCode == 0, $"setcap: {set}");
            int port = int.Parse(holder.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);

            // The image's USER, no ambient capabilities: only the file's.
            ToolRun.Result asUser = RunAs(binary, []);
            Assert.True(asUser.ExitCode == 0, asUser.ToString());
            Assert.Equal(holder.Id, Num(Listener(asUser, port), "process.pid"));

            // no_new_privs (docker --security-opt no-new-privileges, allowPrivilegeEscalation: false): it starts, but
            // the file capabilities are ignored and the root-owned socket has no process.
            ToolRun.Result noNewPrivs = RunAs(binary, ["--no-new-privs"]);
            Assert.True(noNewPrivs.ExitCode == 0, noNewPrivs.ToString());
            Assert.Null(Num(Listener(noNewPrivs, port), "process.pid"));

            // One of the file's capabilities missing from the bounding set (a --cap-add forgotten): refused at exec.
            ToolRun.Result missing = RunAs(binary, ["--bounding-set=-sys_admin"]);
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains("Operation not permitted", missing.StandardError);
        }
        finally
        {
            holder.StandardInput.Close();
            holder.WaitForExit(5000);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_image_built_here_names_a_host_listeners_process_and_command_line_with_once()
    {
        ProjectImage image = Image();
        using Process holder = StartHostListener($"sa-image-once-{Environment.ProcessId}", out int port, out string commandLine);
        try
        {
            ToolRun.Result run = engine.Run(TimeSpan.FromMinutes(2), ["run", "--rm", .. RunOptions(image), image.Name, "--once", "-t"]);
            Assert.True(run.ExitCode == 0, $"docker run {image.Name} --once: {run}");
            JsonElement line = Listener(run, port);
            Assert.Equal(holder.Id, Num(line, "process.pid"));
            Assert.Equal(commandLine, Args(line));
        }
        finally
        {
            holder.StandardInput.Close();
            holder.WaitForExit(5000);
        }
    }

    [Fact]
    public void The_image_built_here_traces_a_short_connection_from_inside_its_container_as_the_non_root_user()
    {
        ProjectImage image = Image();
        using var traffic = new LoopbackTraffic();
        string container = StartDaemon(image, "sa-image-ebpf", "--source", "ebpf", "--interval", "200ms", "--heartbeat", "1s", "-t");
        JsonElement heartbeat = WaitForLine(container, static e => Str(e, "event.action") == "heartbeat", "the first heartbeat");
        Assert.Equal("ebpf+netlink", Str(heartbeat, "heartbeat.source"));

        // The container's process: the image's USER, holding exactly the binary's file capabilities (none ambient).
        int pid = int.Parse(engine.Docker("inspect", "-f", "{{.State.Pid}}", container).Trim(), CultureInfo.InvariantCulture);
        string status = File.ReadAllText($"/proc/{pid}/status");
        Assert.Matches($@"(?m)^Uid:\s+{ImageUser}\s+{ImageUser}\s+{ImageUser}\s+{ImageUser}$", status);
        Assert.Matches($@"(?m)^Gid:\s+{ImageUser}\s+{ImageUser}\s+{ImageUser}\s+{ImageUser}$", status);
        Assert.Equal(CapabilityMask(image.FileCapabilities), ulong.Parse(Regex.Match(status, @"(?m)^CapEff:\s+([0-9a-f]+)$").Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        // A process of the host that connects over loopback and exits at once.
        traffic.StartServer();
        (int client, List<(int Family, int Port)> connections) = traffic.RunClient(1, "sa-image-ebpf-client");
        int clientPort = Assert.Single(connections).Port;
        bool Mine(JsonElement e) => LocalPort(e) == clientPort && Str(e, "network.transport") == "tcp";
        JsonElement closed = WaitForLine(container, e => Mine(e) && Str(e, "event.action") == "closed", $"the client's connection from port {clientPort} closed");
        JsonElement opened = Assert.Single(Lines(container), e => Mine(e) && Str(e, "event.action") == "opened");
        foreach (JsonElement e in new[] { opened, closed })
        {
            Assert.Equal(client, Num(e, "process.pid"));
            Assert.Contains(traffic.ClientScript, Args(e));
            Assert.EndsWith(" sa-image-ebpf-client", Args(e));
        }
        Assert.Equal(Num(opened, "socket.cookie"), Num(closed, "socket.cookie"));
        Assert.Equal(LoopbackTraffic.ClientSends, Num(closed, "source.bytes"));
    }

    [Fact]
    public void The_image_built_here_answers_its_healthcheck_command_once_the_daemon_is_up()
    {
        ProjectImage image = Image();
        // The HEALTHCHECK as the image carries it, pointed at this daemon's listener (a free port: 9464 on the host
        // network may be someone else's).
        string[] test = JsonSerializer.Deserialize<string[]>(engine.Docker("inspect", "-f", "{{json .Config.Healthcheck.Test}}", image.Name))!;
        Assert.Equal(["CMD", "/usr/local/bin/socket-agent", "healthcheck"], test);
        int port = LoopbackPort.Free();
        string container = StartDaemon(image, "sa-image-health", "--http-listen", $"127.0.0.1:{port}");
        string[] healthcheck = ["exec", container, .. test.Skip(1), "--url", $"http://127.0.0.1:{port}/healthz"];

        ToolRun.Result result = engine.Run(TimeSpan.FromSeconds(30), healthcheck);
        for (var clock = Stopwatch.StartNew(); result.ExitCode != 0 && clock.Elapsed < s_eventTimeout; result = engine.Run(TimeSpan.FromSeconds(30), healthcheck))
        {
            Thread.Sleep(500);
        }
        Assert.True(result.ExitCode == 0, $"`docker {string.Join(' ', healthcheck)}` did not exit 0 within {s_eventTimeout.TotalSeconds} s: {result}\n{Logs(container).StandardError}");

        // Where nothing answers, the same command fails: the container would be marked unhealthy.
        ToolRun.Result refused = engine.Run(TimeSpan.FromSeconds(30), ["exec", container, .. test.Skip(1), "--url", $"http://127.0.0.1:{LoopbackPort.Free()}/healthz"]);
        Assert.NotEqual(0, refused.ExitCode);
    }

    /// <summary>
    /// The project's image, built once for the tests of this class: the local bases (made by the script where no
    /// registry is reachable), then the Dockerfile, on the tests' own engine. The engine, the bases and the image are
    /// removed with the engine after the collection.
    /// </summary>
    private ProjectImage Image()
    {
        engine.StartOrSkip();
        Assert.SkipWhen(ToolRun.Find("/usr/sbin/debootstrap", "/usr/bin/debootstrap") is null,
            "no debootstrap for the local base images (apt-get install debootstrap; tests/run-tests.sh installs it)");
        return engine.Once(ImageName, BuildImage);
    }

    private ProjectImage BuildImage()
    {
        var clock = Stopwatch.StartNew();
        ToolRun.Result bases = Bounded("making the local base images", s_basesTimeout,
            () => ToolRun.Run(RepositoryFiles.PathOf(BasesScript), [], s_basesTimeout, RepositoryFiles.Root,
                // Its work directory under the engine's: a script stopped mid-debootstrap leaves its mounts and root
                // file system where the engine's clean-up unmounts and deletes them.
                new Dictionary<string, string>(engine.Environment) { ["TMPDIR"] = engine.Scratch }));
        Assert.True(bases.ExitCode == 0, $"{BasesScript}: {bases}");
        TimeSpan basesTime = clock.Elapsed;
        // The script prints the build arguments that select its images.
        string[] buildArgs = bases.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).SelectMany(static a => new[] { "--build-arg", a.Trim() }).ToArray();
        Assert.Equal(4, buildArgs.Length);

        clock.Restart();
        ToolRun.Result build = Bounded("building the image", s_buildTimeout,
            () => engine.Run(s_buildTimeout, ["build", "--network", "host", .. buildArgs, "-t", ImageName, RepositoryFiles.Root]));
        Assert.True(build.ExitCode == 0, $"docker build: {build}");
        string times = $"image test: local bases {basesTime.TotalSeconds:F0} s, docker build {clock.Elapsed.TotalSeconds:F0} s";
        var image = new ProjectImage(ImageName, FileCapabilities());

        // Docker 20.10 refuses --cap-add BPF and PERFMON (it does not know them), so the image as it ships cannot start
        // there (its file capabilities must all be in the bounding set): the header's build for that engine, which
        // differs in the setcap argument only (the build stage comes from the cache).
        ToolRun.Result probe = engine.Run(TimeSpan.FromSeconds(60),
            ["run", "--rm", "--net=host", "--cap-drop", "ALL", "--cap-add", "BPF", "--cap-add", "PERFMON", "--entrypoint", "/bin/true", ImageName]);
        if (probe.ExitCode != 0)
        {
            Assert.True(probe.StandardError.Contains("unknown capability", StringComparison.Ordinal), $"docker run --cap-add BPF: {probe}");
            Assert.Contains($"--build-arg FILE_CAPS={Docker2010FileCaps}=ep", Dockerfile);
            clock.Restart();
            string variant = ImageName + "-docker-20.10";
            ToolRun.Result rebuild = Bounded("building the image for Docker 20.10", s_buildTimeout,
                () => engine.Run(s_buildTimeout, ["build", "--network", "host", .. buildArgs, "--build-arg", $"FILE_CAPS={Docker2010FileCaps}=ep", "-t", variant, RepositoryFiles.Root]));
            Assert.True(rebuild.ExitCode == 0, $"docker build (Docker 20.10): {rebuild}");
            times += $"; this engine refuses --cap-add BPF (Docker 20.10): run as the header says for it, FILE_CAPS={Docker2010FileCaps}=ep, built in {clock.Elapsed.TotalSeconds:F0} s more";
            image = new ProjectImage(variant, Docker2010FileCaps.Split(','));
        }
        TestContext.Current.TestOutputHelper?.WriteLine(times);
        Console.Error.WriteLine(times);
        return image;
    }

    /// <summary>The image the tests run, and the file capabilities it was built with (the <c>--cap-add</c> it needs).</summary>
    private sealed record ProjectImage(string Name, string[] FileCapabilities);

    private static ToolRun.Result Bounded(string what, TimeSpan timeout, Func<ToolRun.Result> run)
    {
        try
        {
            return run();
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"{what} did not finish within {timeout.TotalMinutes} min (stopped): {e.Message}");
            throw;
        }
    }

    /// <summary>
    /// <c>docker run</c>'s options as the Dockerfile's header documents them: host network and pid namespaces, every
    /// capability dropped but the ones its <c>--cap-add</c> lines name, AppArmor unconfined, a state volume owned by the
    /// image's user (a directory of this test's own).
    /// </summary>
    private string[] RunOptions(ProjectImage image)
    {
        string[] documented = Regex.Matches(Dockerfile, @"(?m)^#.*?(--cap-add \w+(?: --cap-add \w+)*)")
            .SelectMany(static m => m.Groups[1].Value.Split(' ')).Where(static a => a != "--cap-add").ToArray();
        Assert.Equal(FileCapabilities().Select(CapabilityName).Order(), documented.Order());
        string[] capAdds = image.FileCapabilities.Select(CapabilityName).SelectMany(static c => new[] { "--cap-add", c }).ToArray();
        Assert.Contains("--cap-drop ALL", Dockerfile);
        DirectoryInfo state = Directory.CreateTempSubdirectory("sa-image-state-");
        _made.Add(state);
        ToolRun.Result owned = ToolRun.Run("chown", [$"{ImageUser}:{ImageUser}", state.FullName], TimeSpan.FromSeconds(10));
        Assert.True(owned.ExitCode == 0, $"chown: {owned}");
        File.SetUnixFileMode(state.FullName, (UnixFileMode)0b111_101_000);
        return ["--net=host", "--pid=host", "--cap-drop", "ALL", .. capAdds, "--security-opt", "apparmor=unconfined",
            "-v", $"{state.FullName}:/var/lib/socket-agent"];
    }

    private static string CapabilityName(string fileCapability) => fileCapability["cap_".Length..].ToUpperInvariant();

    private string StartDaemon(ProjectImage image, string name, params string[] args)
    {
        string id = engine.Docker(["run", "-d", "--name", name, .. RunOptions(image), image.Name, .. args]).Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        return id;
    }

    private ToolRun.Result Logs(string container) => engine.Run(TimeSpan.FromSeconds(60), "logs", container);

    /// <summary>The container's stdout so far, as JSON documents (its log lines are on stderr).</summary>
    private List<JsonElement> Lines(string container) =>
        Logs(container).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>The first stdout line of the container that matches; fails, with its last lines and its log, after a minute.</summary>
    private JsonElement WaitForLine(string container, Func<JsonElement, bool> predicate, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            List<JsonElement> lines = Lines(container);
            foreach (JsonElement line in lines.Where(predicate))
            {
                return line;
            }
            bool running = engine.Docker("inspect", "-f", "{{.State.Running}}", container).Trim() == "true";
            if (!running || clock.Elapsed > s_eventTimeout)
            {
                Assert.Fail($"no line for {what} within {clock.Elapsed.TotalSeconds:F0} s (container {(running ? "running" : "exited")}); "
                    + $"{lines.Count} lines, the last: {string.Join('\n', lines.TakeLast(3))}\nstderr: {Logs(container).StandardError}");
            }
            Thread.Sleep(300);
        }
    }

    /// <summary>A python3 process of the host listening on a loopback port; its full command line ends with <paramref name="tag"/>.</summary>
    private static Process StartHostListener(string tag, out int port, out string commandLine)
    {
        const string script = "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";
        var holder = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-c", script, tag },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        port = int.Parse(holder.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        commandLine = $"/usr/bin/python3 -c {script} {tag}";
        return holder;
    }

    /// <summary>The capabilities' bits as /proc/PID/status shows them (include/uapi/linux/capability.h).</summary>
    private static ulong CapabilityMask(IEnumerable<string> capabilities) => capabilities.Aggregate(0UL, static (mask, c) => mask | 1UL << c switch
    {
        "cap_dac_read_search" => 2,
        "cap_sys_ptrace" => 19,
        "cap_sys_admin" => 21,
        "cap_perfmon" => 38,
        "cap_bpf" => 39,
        _ => throw new ArgumentException($"no bit known for {c}", nameof(capabilities)),
    });

    /// <summary>The containers this test ran, and its state directories (the engine and its images stay for the others).</summary>
    public void Dispose()
    {
        engine.RemoveContainers();
        foreach (DirectoryInfo dir in _made)
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The Dockerfile's FILE_CAPS default, as capability names.</summary>
    private static string[] FileCapabilities()
    {
        Match match = FileCapsArgument().Match(Dockerfile);
        Assert.True(match.Success, "no ARG FILE_CAPS=…=ep in the Dockerfile");
        return match.Groups[1].Value.Split(',');
    }

    [GeneratedRegex(@"(?m)^ARG FILE_CAPS=([a-z_,]+)=ep$")]
    private static partial Regex FileCapsArgument();

    private static string CopyCli(string dir)
    {
        string source = AppContext.BaseDirectory;
        foreach (string file in Directory.GetFiles(source))
        {
            string name = Path.GetFileName(file);
            if (name == "socket-agent" || (name.EndsWith(".dll", StringComparison.Ordinal) && !name.StartsWith("xunit", StringComparison.OrdinalIgnoreCase))
                || name.StartsWith("socket-agent.", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(dir, name));
            }
        }
        return Path.Combine(dir, "socket-agent");
    }

    private static ToolRun.Result RunAs(string binary, string[] setprivOptions) =>
        ToolRun.Run("setpriv",
            ["--reuid=65532", "--regid=65532", "--clear-groups", .. setprivOptions, "--", "env", "DOTNET_EnableDiagnostics=0", binary, "--once", "-t"],
            TimeSpan.FromSeconds(60));

    private static JsonElement Listener(ToolRun.Result result, int port) =>
        Assert.Single(new AgentLines(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Where("tcp"),
            d => LocalPort(d) == port && Str(d, "socket.state") == "LISTEN");
}
