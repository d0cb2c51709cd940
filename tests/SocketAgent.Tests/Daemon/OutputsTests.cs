using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using SocketAgent.Tests.Encoders.Json;

namespace SocketAgent.Tests.Daemon;

/// <summary>The daemon's local outputs: the rotating file alone, and stdout and the file together.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OutputsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-outputs-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string[] WaitForHeartbeatIn(string path, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path) && File.ReadAllText(path).Contains("\"heartbeat\"", StringComparison.Ordinal))
            {
                return File.ReadAllLines(path);
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"no heartbeat in {path}");
    }

    [Fact]
    public void An_output_that_cannot_start_is_named_in_the_one_error_line_and_exits_1()
    {
        string state = Path.Combine(_dir.FullName, "state-bad");
        AgentProcess.Result file = DaemonProcess.Run(["--output", "file", "--file-path", "/proc/no-such-dir/events.jsonl", "--state-dir", state]);
        AgentProcess.Result kafka = DaemonProcess.Run(["--output", "kafka", "--kafka-bootstrap-servers", "127.0.0.1:1", "--state-dir", state],
            new Dictionary<string, string>
            {
                ["SOCKETAGENT_KAFKA__PROPERTIES__0"] = "security.protocol=SASL_SSL",
                ["SOCKETAGENT_KAFKA__PROPERTIES__1"] = "sasl.mechanism=SCRAM-SHA-512",
            });

        Assert.Equal(1, file.ExitCode);
        Assert.Equal(string.Empty, file.StandardOutput);
        Assert.Contains("cannot start the file output: ", file.StandardError);
        Assert.Contains("/proc/no-such-dir/events.jsonl", file.StandardError);
        Assert.Equal(1, kafka.ExitCode);
        Assert.Contains("cannot start the kafka output: ", kafka.StandardError);
        Assert.Contains("sasl.username and sasl.password must be set", kafka.StandardError);
        Assert.DoesNotContain("first snapshot", file.StandardError + kafka.StandardError);
    }

    [Fact]
    public void The_file_output_creates_its_missing_directories_with_mode_0750()
    {
        string parent = Path.Combine(_dir.FullName, "log");
        string path = Path.Combine(parent, "socket-agent", "events.jsonl");
        using DaemonProcess agent = DaemonProcess.Start(["--output", "file", "--file-path", path, "--interval", "200ms",
            "--heartbeat", "500ms", "--state-dir", Path.Combine(_dir.FullName, "state-mkdir"), "-t"]);
        WaitForHeartbeatIn(path, TimeSpan.FromSeconds(30));
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(10)));

        const UnixFileMode Mode0750 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        Assert.Equal(Mode0750, File.GetUnixFileMode(parent));
        Assert.Equal(Mode0750, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.StartsWith("{", File.ReadAllLines(path)[0]);
    }

    [Fact]
    public void A_file_output_directory_the_agent_may_not_create_is_named_with_the_fix_in_one_line()
    {
        Assert.SkipUnless(Environment.UserName == "root", "switching to the nobody user needs root");
        // The temporary directory is root's, mode 0700: nobody may not create anything in it. The state directory is
        // nobody's, so the output is what fails.
        string state = Path.Combine(Path.GetTempPath(), "socket-agent-nobody-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(state);
        try
        {
            File.SetUnixFileMode(state, (UnixFileMode)0x1FF);
            string path = Path.Combine(_dir.FullName, "log", "events.jsonl");
            AgentProcess.Result result = DaemonProcess.Run(["--output", "file", "--file-path", path, "--state-dir", Path.Combine(state, "s")],
                new Dictionary<string, string> { ["HOME"] = "/tmp" }, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]);

            Assert.Equal(1, result.ExitCode);
            string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), static l => l.Contains("file output", StringComparison.Ordinal));
            Assert.Contains($"cannot create the directory '{Path.Combine(_dir.FullName, "log")}' for '{path}': permission denied (create it writable for the agent's user, or set file.path / --file-path", line);
            Assert.DoesNotContain("   at ", result.StandardError);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void The_file_output_gets_every_line_with_mode_0640_and_stdout_stays_empty()
    {
        string path = Path.Combine(_dir.FullName, "events.jsonl");
        using DaemonProcess agent = DaemonProcess.Start(["--output", "file", "--file-path", path, "--interval", "200ms",
            "--heartbeat", "500ms", "--state-dir", Path.Combine(_dir.FullName, "state"), "-t"]);
        WaitForHeartbeatIn(path, TimeSpan.FromSeconds(30));
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(10)));

        Assert.Empty(agent.AllLines);
        string[] lines = File.ReadAllLines(path);
        Assert.True(File.ReadAllText(path).EndsWith('\n'));
        foreach (string line in lines)
        {
            SchemaValidator.AssertValid(line);
        }
        long[] sequences = lines.Select(static l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetProperty("sequence").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, sequences.Length).Select(static i => (long)i), sequences);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Stdout_and_the_file_receive_the_same_lines()
    {
        string path = Path.Combine(_dir.FullName, "both.jsonl");
        using DaemonProcess agent = DaemonProcess.Start(["--output", "stdout", "--output", "file", "--file-path", path,
            "--interval", "200ms", "--heartbeat", "500ms", "--state-dir", Path.Combine(_dir.FullName, "state2"), "-t"]);
        WaitForHeartbeatIn(path, TimeSpan.FromSeconds(30));
        Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(10)));

        Assert.Equal(File.ReadAllLines(path), agent.AllLines);
    }
}
