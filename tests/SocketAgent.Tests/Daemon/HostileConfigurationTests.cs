using System.Diagnostics;
using System.Text;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// Configuration that must neither hang nor explode, on the real binary: a self-containing YAML alias, nested aliases
/// (billion laughs), deep nesting, a binary file, a non-UTF-8 file, an oversized file, a JSON trailing comma, a FIFO
/// and a device are each refused with exactly one stderr line and exit code 2, promptly; an output enabled without what it needs is
/// refused by <c>--print-config</c> and at start; and every other configuration or command-line error exits 2 too.
/// </summary>
public sealed class HostileConfigurationTests : IDisposable
{
    /// <summary>Far above the ~0.5 s these take (a .NET start included) on a loaded machine; what matters is that they end.</summary>
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-hostile-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string, string, string> HostileFiles() => new()
    {
        { "alias-self.yaml", "a: &a [*a]\n", "YAML aliases (*a) are not accepted" },
        { "billion-laughs.yaml", BillionLaughs(), "YAML aliases (*a) are not accepted" },
        { "deep.yaml", "interval: " + new string('[', 5000) + new string(']', 5000) + "\n", "nested more than 32 levels deep" },
        { "binary.yaml", "\u007fELF\u0002\u0001\u0001\0\0\0\0interval: 1s\n", "the file is not text (byte 0x7F at offset 0)" },
        { "nul.yaml", "interval: 1s\n\0\0\0\0", "the file is not text (byte 0x00 at offset 13)" },
        { "huge.yaml", string.Concat(Enumerable.Repeat("# a comment line to make the file large\n", 40_000)), "larger than 1 MiB" },
        { "trailing-comma.json", "{\n  \"interval\": \"5s\",\n}\n", "invalid JSON (line 3, column 1)" },
        { "deep.json", "{\"a\": " + new string('[', 5000) + new string(']', 5000) + "}", "invalid JSON" },
        { "binary.json", "\0\0\0\0{}", "the file is not text" },
    };

    private static string BillionLaughs()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++)
        {
            char previous = (char)(c - 1);
            yaml.Append(c).Append(": &").Append(c).Append(" [").Append(string.Join(',', Enumerable.Repeat("*" + previous, 9))).Append("]\n");
        }
        return yaml.ToString();
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void A_hostile_config_file_is_refused_in_one_line_with_exit_2_without_hanging(string name, string content, string reason)
    {
        string path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));

        (AgentProcess.Result result, TimeSpan took) = Timed(["--config", path, "--print-config"]);

        AssertRefused(result, reason);
        Assert.Contains($"cannot read the configuration file '{path}'", result.StandardError);
        Assert.True(took < s_bound, $"{name}: {took}");
    }

    [Fact]
    public void A_FIFO_a_device_or_a_directory_given_as_the_config_file_is_refused_at_once()
    {
        string fifo = Path.Combine(_dir.FullName, "fifo.yaml");
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }
        string zero = Path.Combine(_dir.FullName, "zero.yaml");
        File.CreateSymbolicLink(zero, "/dev/zero");
        string directory = Directory.CreateDirectory(Path.Combine(_dir.FullName, "dir.json")).FullName;

        foreach ((string path, string why) in new[] { (fifo, "it is a FIFO (named pipe)"), (zero, "it is a device"), (directory, "it is a directory") })
        {
            (AgentProcess.Result result, TimeSpan took) = Timed(["--config", path, "--print-config"]);
            AssertRefused(result, $"cannot read the configuration file '{path}': {why}, not a regular file");
            Assert.True(took < s_bound, $"{path}: {took}");
        }
    }

    [Fact]
    public void A_config_file_that_is_not_UTF_8_is_refused_naming_the_encoding()
    {
        string path = Path.Combine(_dir.FullName, "latin1.yaml");
        File.WriteAllBytes(path, [.. "host_name: caf"u8, 0xE9, .. "\n"u8]);

        (AgentProcess.Result result, TimeSpan took) = Timed(["--config", path, "--print-config"]);

        AssertRefused(result, "the file is not UTF-8 text (invalid byte at offset 14): save it as UTF-8");
        Assert.True(took < s_bound, took.ToString());
    }

    [Fact]
    public void The_kafka_output_without_bootstrap_servers_is_refused_by_print_config_and_at_start()
    {
        string path = Path.Combine(_dir.FullName, "kafka.yaml");
        File.WriteAllText(path, "outputs: [kafka]\n");
        string state = Path.Combine(_dir.FullName, "state");

        AgentProcess.Result printed = DaemonProcess.Run(["--config", path, "--print-config"]);
        AgentProcess.Result started = DaemonProcess.Run(["--config", path, "--state-dir", state]);
        AgentProcess.Result commandLine = DaemonProcess.Run(["--output", "kafka", "--state-dir", state]);

        const string Needs = "the kafka output needs kafka.bootstrap_servers";
        AssertRefused(printed, $"invalid setting 'outputs' = 'kafka' in {path}: {Needs}");
        AssertRefused(started, Needs);
        AssertRefused(commandLine, $"invalid setting 'outputs' = 'kafka' on the command line: {Needs}");
        // Refused before anything is created.
        Assert.False(Directory.Exists(state));
    }

    public static TheoryData<string[], string> ConfigurationErrors() => new()
    {
        { ["--interval", "5x"], "invalid setting 'interval' = '5x' on the command line" },
        { ["--no-such-flag"], "Unrecognized command or argument '--no-such-flag'" },
        { ["--config", "{dir}/missing.yaml"], "was not found" },
        { ["--config", "{dir}/agent.txt"], "expected a .yaml, .yml or .json file" },
        { ["--config", "{dir}/unknown.yaml"], "unknown setting 'intervall'" },
        { ["--config", "{dir}/bad-value.json"], "invalid setting 'heartbeat' = 'often'" },
        { ["--config", "{dir}"], "expected a .yaml, .yml or .json file" },
        { ["correlate", "--no-such-flag"], "correlate: unknown option '--no-such-flag'" },
    };

    [Theory]
    [MemberData(nameof(ConfigurationErrors))]
    public void Every_configuration_error_exits_2_with_one_line_for_print_config_and_for_the_daemon(string[] args, string reason)
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "unknown.yaml"), "intervall: 1s\n");
        File.WriteAllText(Path.Combine(_dir.FullName, "bad-value.json"), "{ \"heartbeat\": \"often\" }\n");
        File.WriteAllText(Path.Combine(_dir.FullName, "agent.txt"), "interval: 1s\n");
        string[] resolved = [.. args.Select(a => a.Replace("{dir}", _dir.FullName, StringComparison.Ordinal))];
        string state = Path.Combine(_dir.FullName, "state");

        AssertRefused(DaemonProcess.Run([.. resolved, "--print-config"]), reason);
        AssertRefused(DaemonProcess.Run([.. resolved, "--state-dir", state]), reason);
        Assert.False(Directory.Exists(state));
    }

    private static (AgentProcess.Result Result, TimeSpan Took) Timed(string[] args)
    {
        long started = Stopwatch.GetTimestamp();
        AgentProcess.Result result = DaemonProcess.Run(args);
        return (result, Stopwatch.GetElapsedTime(started));
    }

    private static void AssertRefused(AgentProcess.Result result, string reason)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("socket-agent: ", line);
        Assert.Contains(reason, line);
    }
}
