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

    [Theory]
    [InlineData("nginx", "nginx", null)]
    [InlineData("nginx:1.27", "nginx", "1.27")]
    [InlineData("registry:5000/team/app:2.0", "registry:5000/team/app", "2.0")]
    [InlineData("registry:5000/team/app", "registry:5000/team/app", null)]
    [InlineData("app@sha256:0123abcd", "app", null)]
    public void An_image_reference_splits_into_name_and_tag(string reference, string name, string? tag) =>
        Assert.Equal((name, tag), ImageReference.Split(reference));

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

    private sealed class FakeDirectory : IContainerDirectory
    {
        public bool Answering { get; set; }
        public int Lookups { get; private set; }
        public bool IsAnswering => Answering;

        public ContainerDetails? Find(string containerId)
        {
            Lookups++;
            return Answering ? new ContainerDetails("web", "nginx", "1.27", new Dictionary<string, string> { ["tier"] = "front" }) : null;
        }
    }
}
