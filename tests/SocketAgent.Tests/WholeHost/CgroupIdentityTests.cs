using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Encoders.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.WholeHost;

/// <summary>
/// Real cgroups laid out as docker, containerd under Kubernetes, cri-o, podman and systemd make them (both drivers,
/// cgroup v2 and v1's name=systemd hierarchy), each holding a real listening process: <c>--once</c> names the
/// container and its runtime, the pod and its QoS class, or the systemd unit and slice, on that process's socket.
/// </summary>
public sealed class CgroupIdentityTests : IDisposable
{
    private const string Id = "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592";
    private const string PodUid = "0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b";

    private readonly CgroupSandbox _cgroups = new();

    public static TheoryData<string, string, string?, string?, string?, string?, string?> Layouts => new()
    {
        // hierarchy, path under the test's root, runtime, pod, qos, unit, slice
        { "v2", $"system.slice/docker-{Id}.scope", "docker", null, null, null, null },
        { "v1", $"docker/{Id}", "docker", null, null, null, null },
        { "v2", $"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{PodUid.Replace('-', '_')}.slice/cri-containerd-{Id}.scope", "containerd", PodUid, "burstable", null, null },
        { "v1", $"kubepods/besteffort/pod{PodUid}/{Id}", null, PodUid, "besteffort", null, null },
        { "v2", $"kubepods.slice/kubepods-pod{PodUid.Replace('-', '_')}.slice/crio-{Id}.scope", "cri-o", PodUid, "guaranteed", null, null },
        { "v2", $"machine.slice/libpod-{Id}.scope/container", "podman", null, null, null, null },
        { "v2", "system.slice/socket-agent-test.service", null, null, null, "socket-agent-test.service", "system.slice" },
        { "v1", "user.slice/user-1000.slice/session-7.scope", null, null, null, "session-7.scope", "user-1000.slice" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_process_in_a_runtime_cgroup_is_named_on_its_socket(
        string hierarchy, string path, string? runtime, string? pod, string? qos, string? unit, string? slice)
    {
        Assert.SkipWhen(Environment.UserName != "root", "moving processes between cgroups needs root");
        string? mount = CgroupSandbox.Mount(hierarchy);
        Assert.SkipWhen(mount is null, $"no cgroup {hierarchy} hierarchy mounted here ({(hierarchy == "v2" ? "cgroup2" : "name=systemd")})");

        string cgroup = _cgroups.Create(mount!, path);
        (Process listener, int port) = _cgroups.StartListener();
        CgroupSandbox.MoveInto(cgroup, listener);
        Assert.Contains($"/{_cgroups.Name}/{path}", File.ReadAllText($"/proc/{listener.Id}/cgroup"), StringComparison.Ordinal);

        AgentProcess.Result result = AgentProcess.Run(["--once", "-t", "-l"]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        JsonElement line = new AgentLines(result.Lines).SingleInet("tcp", "127.0.0.1", port);
        SchemaValidator.AssertValid(line.GetRawText());

        Assert.Equal(listener.Id, Num(line, "process.pid"));
        Assert.Equal(unit is null ? Id : null, Str(line, "container.id"));
        Assert.Equal(runtime, Str(line, "container.runtime"));
        Assert.Equal(pod, Str(line, "orchestrator.resource.id"));
        Assert.Equal(pod is null ? null : "kubernetes", Str(line, "orchestrator.type"));
        Assert.Equal(pod is null ? null : "pod", Str(line, "orchestrator.resource.type"));
        Assert.Equal(qos, Str(line, "kubernetes.pod.qos_class"));
        Assert.Equal(unit, Str(line, "systemd.unit"));
        Assert.Equal(slice, Str(line, "systemd.slice"));
    }

    [Fact]
    public void A_socket_no_process_holds_is_named_by_the_pod_that_owns_its_network_namespace()
    {
        Assert.SkipWhen(Environment.UserName != "root", "network namespaces and cgroups need root");
        string? mount = CgroupSandbox.Mount("v2");
        Assert.SkipWhen(mount is null, "no cgroup2 hierarchy mounted here");

        // A pod's sandbox: its own network namespace, a listener, and one connection to itself that the listener's
        // side closed first, so the kernel keeps a TIME_WAIT socket that no process holds.
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "-n", "sh", "-c", "ip link set lo up && exec python3 -c \"$0\"",
            "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nc=socket.create_connection(s.getsockname())\na,_=s.accept()\na.close()\ntime.sleep(0.2)\nc.close()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)" })
        {
            info.ArgumentList.Add(arg);
        }
        Process sandbox = Process.Start(info)!;
        _cgroups.Track(sandbox);
        int port = int.Parse(sandbox.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        string path = $"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{PodUid.Replace('-', '_')}.slice/cri-containerd-{Id}.scope";
        CgroupSandbox.MoveInto(_cgroups.Create(mount!, path), sandbox);
        string netns = new FileInfo($"/proc/{sandbox.Id}/ns/net").LinkTarget!; // net:[INODE]
        long inode = long.Parse(netns["net:[".Length..^1], CultureInfo.InvariantCulture);

        AgentProcess.Result result = AgentProcess.Run(["--once", "--netns", "all", "-t", "-a"]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        JsonElement[] inNamespace = result.Lines.Select(static l => JsonDocument.Parse(l).RootElement)
            .Where(d => Num(d, "netns.inode") == inode && LocalPort(d) is not null).ToArray();
        JsonElement timeWait = Assert.Single(inNamespace, d => Str(d, "socket.state") == "TIME_WAIT" && LocalPort(d) == port);
        SchemaValidator.AssertValid(timeWait.GetRawText());

        Assert.Null(Num(timeWait, "process.pid"));
        Assert.Equal(Id, Str(timeWait, "container.id"));
        Assert.Equal("containerd", Str(timeWait, "container.runtime"));
        Assert.Equal("kubernetes", Str(timeWait, "orchestrator.type"));
        Assert.Equal(PodUid, Str(timeWait, "orchestrator.resource.id"));
        Assert.Equal("burstable", Str(timeWait, "kubernetes.pod.qos_class"));
        Assert.Null(Str(timeWait, "systemd.unit"));
        // The listener, held by the sandbox itself, says the same through its own process.
        JsonElement listener = Assert.Single(inNamespace, d => Str(d, "socket.state") == "LISTEN");
        Assert.Equal(sandbox.Id, Num(listener, "process.pid"));
        Assert.Equal(PodUid, Str(listener, "orchestrator.resource.id"));
    }

    [Fact]
    public void The_daemon_asks_the_runtime_once_per_container_however_many_processes_and_cycles()
    {
        Assert.SkipWhen(Environment.UserName != "root", "moving processes between cgroups needs root");
        string? mount = CgroupSandbox.Mount("v2");
        Assert.SkipWhen(mount is null, "no cgroup2 hierarchy mounted here");
        const string OtherId = "9b2f6c1d0e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";
        DirectoryInfo state = Directory.CreateTempSubdirectory("sa-lookups-");
        try
        {
            using var engine = new FakeDockerEngine(Path.Combine(state.FullName, "docker.sock"), new Dictionary<string, (string, string)>
            {
                [Id] = ("web", "registry.local:5000/team/web:1.4"),
                [OtherId] = ("db", "postgres:16"),
            });
            string web = _cgroups.Create(mount!, $"system.slice/docker-{Id}.scope");
            string db = _cgroups.Create(mount!, $"system.slice/docker-{OtherId}.scope");
            int first = _cgroups.StartListenerIn(web).Port;

            using DaemonProcess daemon = DaemonProcess.Start(
                ["--interval", "200ms", "--heartbeat", "1s", "--state-dir", state.FullName, "-t"],
                new Dictionary<string, string> { ["SOCKETAGENT_CONTAINERS__DOCKER_SOCKET"] = engine.SocketPath });
            JsonElement Await(int port) => JsonDocument.Parse(daemon.WaitForLine(
                l => l.Contains("\"container\"", StringComparison.Ordinal) && LocalPort(JsonDocument.Parse(l).RootElement) == port,
                TimeSpan.FromSeconds(30))).RootElement;

            JsonElement firstLine = Await(first);
            Assert.Equal("web", Str(firstLine, "container.name"));
            Assert.Equal("registry.local:5000/team/web", Str(firstLine, "container.image.name"));
            Assert.Equal(1, engine.RequestsFor(Id));

            // Idle cycles, then a second process of the same container: no new call.
            Thread.Sleep(1000);
            JsonElement second = Await(_cgroups.StartListenerIn(web).Port);
            Assert.Equal("web", Str(second, "container.name"));
            Assert.Equal(1, engine.RequestsFor(Id));

            // A container not seen before: one call for it.
            JsonElement other = Await(_cgroups.StartListenerIn(db).Port);
            Assert.Equal("db", Str(other, "container.name"));
            Assert.Equal("16", other.GetProperty("container").GetProperty("image").GetProperty("tag")[0].GetString());
            Thread.Sleep(1000);
            // Only these two ids: the tests beside this one run containers of their own, which the daemon asks for too.
            Assert.Equal(1, engine.RequestsFor(OtherId));
            Assert.Equal(0, daemon.Terminate(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    public void Dispose() => _cgroups.Dispose();
}
