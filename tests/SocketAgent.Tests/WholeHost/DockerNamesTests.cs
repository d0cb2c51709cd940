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
/// A real Docker Engine of the tests' own (<see cref="PrivateDockerEngine"/>: its own socket, data and exec roots, no
/// bridge, no iptables), an image imported from a static busybox, containers on the host network listening: the socket
/// lines carry the container's name, image and labels beside its id. With the engine stopped the ids still go out,
/// with one warning, and the names come back when it returns.
/// </summary>
[Collection(PrivateDockerEngineCollection.Name)]
public sealed class DockerNamesTests(PrivateDockerEngine engine) : IDisposable
{
    private const string Image = "socket-agent-test/busybox";
    private const string Tag = "1.0";

    private readonly DirectoryInfo _stateDir = Directory.CreateTempSubdirectory("sa-docker-names-state-");

    [Fact]
    public void A_containers_socket_is_named_by_its_container_image_and_labels()
    {
        engine.StartOrSkip();
        Assert.Equal($"{Image}:{Tag}", engine.ImportBusybox());
        int port = LoopbackPort.Free();
        string id = engine.Docker("run", "-d", "--network", "host", "--name", "sa-web", "--label", "app=web", "--label", "tier=front",
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
        engine.StartOrSkip();
        Assert.Equal($"{Image}:{Tag}", engine.ImportBusybox());
        int port = LoopbackPort.Free();
        // Listens only once the test says so (a file the host writes into the container's root): its socket, and so
        // its container id, first reaches the agent while the engine is down. --live-restore keeps it running then.
        string script = $"while [ ! -e /go ]; do /bin/busybox sleep 0.1; done; /bin/busybox nc -ll -p {port} -e /bin/busybox true";
        string id = engine.Docker("run", "-d", "--network", "host", "--name", "sa-late", $"{Image}:{Tag}", "/bin/busybox", "sh", "-c", script).Trim();
        int containerPid = int.Parse(engine.Docker("inspect", "-f", "{{.State.Pid}}", id).Trim(), CultureInfo.InvariantCulture);

        // Something for the first snapshot to list, so its lines say the agent is up.
        using var marker = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        marker.Start();
        using DaemonProcess agent = DaemonProcess.Start(["--interval", "200ms", "--state-dir", _stateDir.FullName, "-t"], Environment());
        Wait(agent, static l => l.Contains("\"action\":\"snapshot\"", StringComparison.Ordinal), "the first snapshot");
        engine.Stop();

        File.WriteAllText($"/proc/{containerPid}/root/go", "");
        JsonElement opened = Parse(Wait(agent, l => Parse(l) is var e && Str(e, "event.action") == "opened" && Num(e, "server.port") == port,
            $"the listener on {port} opened"));
        Assert.Equal(id, Str(opened, "container.id"));
        Assert.Null(Str(opened, "container.name"));

        engine.Start();
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

    private Dictionary<string, string> Environment() => new() { ["SOCKETAGENT_CONTAINERS__DOCKER_SOCKET"] = engine.Socket };

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

    /// <summary>Removes the containers this test ran (the engine and its image stay for the collection's other tests).</summary>
    public void Dispose()
    {
        try
        {
            engine.RemoveContainers();
        }
        finally
        {
            _stateDir.Delete(recursive: true);
        }
    }
}
