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
