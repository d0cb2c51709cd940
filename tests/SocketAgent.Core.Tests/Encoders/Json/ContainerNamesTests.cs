using System.Text;
using System.Text.Json;
using SocketAgent.Collection.Containers;
using SocketAgent.Encoders.Json;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>The container directory's names on the lines, and a container the runtime cannot name just now.</summary>
public sealed class ContainerNamesTests
{
    private const string Id = "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592";

    [Fact]
    public void Names_are_written_and_a_container_not_named_while_the_runtime_is_down_is_named_once_it_answers()
    {
        var directory = new FakeDirectory();
        var process = new ProcessInfo { Pid = 42, Name = "nginx", Cgroup = new CgroupIdentity { ContainerId = Id, ContainerRuntime = "docker" } };
        SocketRecord socket = EventRecords.Tcp("10.0.0.5", 8080, "10.0.0.9", 50000, cookie: 5);
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, routeTables: null, FieldProfile.Default, directory))
        {
            directory.Answering = false;
            writer.WriteEvent(EventRecords.Socket(SocketEventAction.Opened, socket, process), EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host);
            directory.Answering = true;
            writer.WriteEvent(EventRecords.Socket(SocketEventAction.StateChanged, socket, process), EventRecords.Stamp(2), EventRecords.Agent, TestRecords.Host);
            int named = directory.Lookups;
            // Named now: kept with the process, the runtime is not asked again.
            writer.WriteEvent(EventRecords.Socket(SocketEventAction.Closed, socket, process), EventRecords.Stamp(3), EventRecords.Agent, TestRecords.Host);
            Assert.Equal(named, directory.Lookups);
            writer.Flush();
        }
        string[] lines = SchemaValidator.AssertValidLines(stream.ToArray());

        JsonElement before = JsonDocument.Parse(lines[0]).RootElement.GetProperty("container");
        Assert.Equal(Id, before.GetProperty("id").GetString());
        Assert.False(before.TryGetProperty("name", out _));
        JsonElement after = JsonDocument.Parse(lines[1]).RootElement.GetProperty("container");
        Assert.Equal("web", after.GetProperty("name").GetString());
        Assert.Equal("nginx", after.GetProperty("image").GetProperty("name").GetString());
        Assert.Equal("1.27", after.GetProperty("image").GetProperty("tag")[0].GetString());
        Assert.Equal("front", after.GetProperty("labels").GetProperty("tier").GetString());
        Assert.Equal("docker", after.GetProperty("runtime").GetString());
    }

    [Fact]
    public void A_pods_container_is_written_with_its_pod_as_ecs_orchestrator_and_kubernetes_fields()
    {
        const string podUid = "3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18";
        var pod = new PodDetails("web-7d4b9c8f6d-x2x9k", "shop", podUid, "worker-2", new Dictionary<string, string>
        {
            ["app"] = "web",
            ["app.kubernetes.io/name"] = "web",
        });
        var directory = new FakeDirectory { Answering = true, Details = new ContainerDetails("nginx", "registry:5000/shop/nginx", "1.27.3", new Dictionary<string, string>()) { Pod = pod } };
        var process = new ProcessInfo
        {
            Pid = 42,
            Name = "nginx",
            Cgroup = new CgroupIdentity { ContainerId = Id, ContainerRuntime = "containerd", PodUid = podUid, QosClass = "burstable" },
        };
        JsonElement line = OneLine(directory, process);

        Assert.Equal("""{"id":"5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592","runtime":"containerd","name":"nginx","image":{"name":"registry:5000/shop/nginx","tag":["1.27.3"]}}""",
            line.GetProperty("container").GetRawText());
        Assert.Equal("""{"type":"kubernetes","namespace":"shop","resource":{"type":"pod","name":"web-7d4b9c8f6d-x2x9k","id":"3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18"}}""",
            line.GetProperty("orchestrator").GetRawText());
        Assert.Equal("""{"pod":{"name":"web-7d4b9c8f6d-x2x9k","uid":"3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18","qos_class":"burstable"},"namespace":"shop","node":{"name":"worker-2"},"labels":{"app":"web","app_kubernetes_io/name":"web"}}""",
            line.GetProperty("kubernetes").GetRawText());
    }

    [Fact]
    public void A_container_the_list_does_not_name_in_a_pod_it_knows_is_written_with_the_pod()
    {
        // A pod's sandbox (pause): not among the pod's container statuses, but in the pod's cgroup.
        const string podUid = "3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18";
        var directory = new FakeDirectory
        {
            Answering = true,
            Details = null,
            Pod = new PodDetails("web-7d4b9c8f6d-x2x9k", "shop", podUid, "worker-2", new Dictionary<string, string>()),
        };
        var process = new ProcessInfo
        {
            Pid = 42,
            Name = "pause",
            Cgroup = new CgroupIdentity { ContainerId = Id, ContainerRuntime = "containerd", PodUid = podUid, QosClass = "burstable" },
        };
        JsonElement line = OneLine(directory, process);

        Assert.False(line.GetProperty("container").TryGetProperty("name", out _));
        Assert.Equal("""{"type":"kubernetes","namespace":"shop","resource":{"type":"pod","name":"web-7d4b9c8f6d-x2x9k","id":"3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18"}}""",
            line.GetProperty("orchestrator").GetRawText());
        Assert.Equal("""{"pod":{"name":"web-7d4b9c8f6d-x2x9k","uid":"3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18","qos_class":"burstable"},"namespace":"shop","node":{"name":"worker-2"}}""",
            line.GetProperty("kubernetes").GetRawText());
    }

    [Fact]
    public void A_pods_container_the_list_does_not_name_keeps_the_cgroups_pod_uid_and_qos_class_only()
    {
        var process = new ProcessInfo
        {
            Pid = 42,
            Name = "nginx",
            Cgroup = new CgroupIdentity { ContainerId = Id, PodUid = "0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b", QosClass = "guaranteed" },
        };
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, routeTables: null, FieldProfile.Default, new FakeDirectory { Answering = true, Details = null }))
        {
            writer.WriteEvent(EventRecords.Socket(SocketEventAction.Opened, EventRecords.Tcp("10.0.0.5", 8080, "10.0.0.9", 50000, cookie: 5), process),
                EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host);
            writer.Flush();
        }
        JsonElement line = JsonDocument.Parse(Assert.Single(SchemaValidator.AssertValidLines(stream.ToArray()))).RootElement;

        Assert.Equal("""{"type":"kubernetes","resource":{"type":"pod","id":"0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b"}}""", line.GetProperty("orchestrator").GetRawText());
        Assert.Equal("""{"pod":{"qos_class":"guaranteed"}}""", line.GetProperty("kubernetes").GetRawText());
    }

    [Fact]
    public void A_socket_no_container_process_holds_is_named_by_its_namespace_owner_and_a_holders_own_container_wins()
    {
        const string PodUid = "0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b";
        const string OtherId = "9b2f6c1d0e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";
        var directory = new FakeDirectory { Answering = false };
        var pod = new NetworkNamespace
        {
            Inode = 4026532777,
            OwnerCgroup = new CgroupIdentity { ContainerId = Id, ContainerRuntime = "containerd", PodUid = PodUid, QosClass = "burstable" },
        };
        SocketRecord timeWait = EventRecords.Tcp("10.1.0.7", 8080, "10.1.0.9", 50000, cookie: 7);
        // A host service that entered the pod's namespace (nsenter): its unit, the namespace's container and pod.
        var hostService = new ProcessInfo { Pid = 77, Name = "sshd", Cgroup = new CgroupIdentity { SystemdUnit = "ssh.service", SystemdSlice = "system.slice" } };
        // A process in a container of its own (one of the pod's): its container, not the sandbox's.
        var sidecar = new ProcessInfo { Pid = 88, Name = "envoy", Cgroup = new CgroupIdentity { ContainerId = OtherId, ContainerRuntime = "containerd", PodUid = PodUid, QosClass = "burstable" } };

        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, routeTables: null, FieldProfile.Default, directory))
        {
            writer.WriteEvent(EventRecords.SocketIn(pod, SocketEventAction.Opened, timeWait), EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host);
            directory.Answering = true;
            writer.WriteEvent(EventRecords.SocketIn(pod, SocketEventAction.Closed, timeWait), EventRecords.Stamp(2), EventRecords.Agent, TestRecords.Host);
            writer.WriteEvent(EventRecords.SocketIn(pod, SocketEventAction.Opened, EventRecords.Tcp("10.1.0.7", 22, "10.1.0.9", 50001, cookie: 8), hostService), EventRecords.Stamp(3), EventRecords.Agent, TestRecords.Host);
            writer.WriteEvent(EventRecords.SocketIn(pod, SocketEventAction.Opened, EventRecords.Tcp("10.1.0.7", 15001, "10.1.0.9", 50002, cookie: 9), sidecar), EventRecords.Stamp(4), EventRecords.Agent, TestRecords.Host);
            writer.Flush();
        }
        string[] lines = SchemaValidator.AssertValidLines(stream.ToArray());
        JsonElement[] docs = lines.Select(static l => JsonDocument.Parse(l).RootElement).ToArray();

        foreach (JsonElement line in docs[..3])
        {
            Assert.Equal(Id, line.GetProperty("container").GetProperty("id").GetString());
            Assert.Equal("containerd", line.GetProperty("container").GetProperty("runtime").GetString());
            Assert.Equal(PodUid, line.GetProperty("orchestrator").GetProperty("resource").GetProperty("id").GetString());
            Assert.Equal("burstable", line.GetProperty("kubernetes").GetProperty("pod").GetProperty("qos_class").GetString());
        }
        // Unnamed while the runtime was down; named on the next line once it answers.
        Assert.False(docs[0].GetProperty("container").TryGetProperty("name", out _));
        Assert.Equal("web", docs[1].GetProperty("container").GetProperty("name").GetString());
        Assert.Equal("nginx", docs[1].GetProperty("container").GetProperty("image").GetProperty("name").GetString());
        Assert.False(docs[1].TryGetProperty("systemd", out _));

        Assert.Equal("ssh.service", docs[2].GetProperty("systemd").GetProperty("unit").GetString());
        Assert.Equal(77, docs[2].GetProperty("process").GetProperty("pid").GetInt32());

        Assert.Equal(OtherId, docs[3].GetProperty("container").GetProperty("id").GetString());
        Assert.Equal(1, lines[3].Split("\"container\"").Length - 1);
    }

    [Fact]
    public void A_container_and_a_pod_the_list_names_only_later_are_named_then_and_one_it_never_names_stops_being_asked()
    {
        const string PodUid = "0b8e4f2a-6c1d-4e3f-9a7b-2c5d8e1f0a3b";
        const string Sandbox = "9b2f6c1d0e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";
        const string Stranger = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var pod = new PodDetails("web-7d9f", "shop", PodUid, "node-1", new Dictionary<string, string>());
        var directory = new ListingLaterDirectory(Id, new ContainerDetails("web", "nginx", "1.27", new Dictionary<string, string>()) { Pod = pod }, pod);
        var app = new ProcessInfo { Pid = 42, Name = "nginx", Cgroup = new CgroupIdentity { ContainerId = Id, ContainerRuntime = "containerd", PodUid = PodUid } };
        var pause = new ProcessInfo { Pid = 41, Name = "pause", Cgroup = new CgroupIdentity { ContainerId = Sandbox, ContainerRuntime = "containerd", PodUid = PodUid } };
        var other = new ProcessInfo { Pid = 43, Name = "sidecar", Cgroup = new CgroupIdentity { ContainerId = Stranger, ContainerRuntime = "containerd" } };
        SocketRecord socket = EventRecords.Tcp("10.1.0.7", 8080, "10.1.0.9", 50000, cookie: 5);

        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, routeTables: null, FieldProfile.Default, directory))
        {
            void Write(ProcessInfo owner, long sequence) =>
                writer.WriteEvent(EventRecords.Socket(SocketEventAction.StateChanged, socket, owner), EventRecords.Stamp(sequence), EventRecords.Agent, TestRecords.Host);
            Write(app, 1);
            Write(pause, 2);
            Write(other, 3);
            directory.Listed = true; // the kubelet reports the pod now
            Write(app, 4);
            Write(pause, 5);
            directory.GaveUp = true; // the stranger is not a pod's: the directory stops expecting it
            Write(other, 6);
            int asked = directory.Lookups;
            Write(other, 7);
            Write(other, 8);
            Assert.Equal(asked, directory.Lookups); // given up on: not asked again
            writer.Flush();
        }
        JsonElement[] lines = SchemaValidator.AssertValidLines(stream.ToArray()).Select(static l => JsonDocument.Parse(l).RootElement).ToArray();

        Assert.False(lines[0].GetProperty("container").TryGetProperty("name", out _));
        Assert.False(lines[1].GetProperty("orchestrator").GetProperty("resource").TryGetProperty("name", out _));
        Assert.Equal("web", lines[3].GetProperty("container").GetProperty("name").GetString());
        Assert.Equal("web-7d9f", lines[3].GetProperty("kubernetes").GetProperty("pod").GetProperty("name").GetString());
        // The sandbox is in no status list: named by its pod's uid once the pod is listed.
        Assert.False(lines[4].GetProperty("container").TryGetProperty("name", out _));
        Assert.Equal("web-7d9f", lines[4].GetProperty("orchestrator").GetProperty("resource").GetProperty("name").GetString());
        Assert.Equal("shop", lines[4].GetProperty("kubernetes").GetProperty("namespace").GetString());
        Assert.All(lines[5..], static l => Assert.False(l.GetProperty("container").TryGetProperty("name", out _)));
    }

    /// <summary>The one line an opened socket of <paramref name="process"/> gives, checked against the schema.</summary>
    private static JsonElement OneLine(IContainerDirectory directory, ProcessInfo process)
    {
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, routeTables: null, FieldProfile.Default, directory))
        {
            writer.WriteEvent(EventRecords.Socket(SocketEventAction.Opened, EventRecords.Tcp("10.0.0.5", 8080, "10.0.0.9", 50000, cookie: 5), process),
                EventRecords.Stamp(1), EventRecords.Agent, TestRecords.Host);
            writer.Flush();
        }
        return JsonDocument.Parse(Assert.Single(SchemaValidator.AssertValidLines(stream.ToArray()))).RootElement;
    }

    /// <summary>A pod list that does not hold the pod yet (a kubelet reports a container a moment after it started).</summary>
    private sealed class ListingLaterDirectory(string id, ContainerDetails details, PodDetails pod) : IContainerDirectory
    {
        public bool Listed { get; set; }
        public bool GaveUp { get; set; }
        public int Lookups { get; private set; }
        public bool IsAnswering => true;

        public ContainerDetails? Find(string containerId)
        {
            Lookups++;
            return Listed && containerId == id ? details : null;
        }

        public PodDetails? FindPod(string podUid)
        {
            Lookups++;
            return Listed && podUid == pod.Uid ? pod : null;
        }

        public bool MayNameLater(string containerOrPod) => !GaveUp;
    }

    private sealed class FakeDirectory : IContainerDirectory
    {
        public bool Answering { get; set; }
        public int Lookups { get; private set; }
        public bool IsAnswering => Answering;

        /// <summary>What it answers while answering (a Docker container unless set; null: it does not know the id).</summary>
        public ContainerDetails? Details { get; init; } = new("web", "nginx", "1.27", new Dictionary<string, string> { ["tier"] = "front" });

        /// <summary>The pod it knows by uid (none unless set).</summary>
        public PodDetails? Pod { get; init; }

        public ContainerDetails? Find(string containerId)
        {
            Lookups++;
            return Answering ? Details : null;
        }

        public PodDetails? FindPod(string podUid) => Answering && Pod?.Uid == podUid ? Pod : null;
    }
}
