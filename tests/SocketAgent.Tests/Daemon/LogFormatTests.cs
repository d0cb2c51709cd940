using System.Text.Json;
using System.Text.RegularExpressions;
using SocketAgent.Tests.Encoders.Json;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// <c>--log-format</c> end to end, on the real agent: with json every stderr line is one ECS document — from the
/// command line, the config file or the environment alike — while stdout keeps only data lines; a SIGHUP cannot
/// change the format; text stays the default and the lines it always was; a bad value is refused like any setting.
/// The daemon is made to warn and to fail by reloads: a file that changes restart-only settings (a warning), then
/// one with a bad value (an error).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class LogFormatTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private static readonly string[] s_levels = ["trace", "debug", "info", "warn", "error", "critical"];

    /// <summary>Fast cycles and heartbeats (a heartbeat after a SIGHUP means the reload was served), netlink only.</summary>
    private const string Fast = "interval: 200ms\nheartbeat: 500ms\nsource: netlink\n";

    private const string Refused = "interval: 5x\n";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-logformat-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Json_on_the_command_line_makes_every_stderr_line_an_ECS_document_and_stdout_stays_data()
    {
        Run run = RunWarningAndError(["--log-format", "json"], Fast, Fast + "fields: full\n");

        JsonElement[] logs = AssertEcsLines(run);
        AssertWarningAndError(logs, kept: "fields");
    }

    [Fact]
    public void Json_from_the_config_file_stays_when_a_SIGHUP_asks_for_text_and_the_change_is_named()
    {
        Run run = RunWarningAndError([], Fast + "log:\n  format: json\n", Fast + "log:\n  format: text\n");

        // Every line, those after the reload too: the format the process started with.
        JsonElement[] logs = AssertEcsLines(run);
        AssertWarningAndError(logs, kept: "log.format");
    }

    [Fact]
    public void Json_from_the_environment()
    {
        Run run = RunWarningAndError([], Fast, Fast + "fields: minimal\n", new() { ["SOCKETAGENT_LOG__FORMAT"] = "json" });

        JsonElement[] logs = AssertEcsLines(run);
        AssertWarningAndError(logs, kept: "fields");
    }

    [Theory]
    [InlineData]
    [InlineData("--log-format", "text")]
    public void Text_is_the_default_and_the_lines_it_always_was(params string[] args)
    {
        Run run = RunWarningAndError(args, Fast, Fast + "fields: full\n");

        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, static l => Assert.Matches(TextLine(), l));
        Assert.Contains(lines, static l => WarningTextLine().IsMatch(l));
        Assert.Contains(lines, static l => ErrorTextLine().IsMatch(l));
        AssertDataOnly(run.Stdout);
    }

    [Fact]
    public void Once_writes_its_diagnostics_in_the_format_asked_for()
    {
        // A regular file is not a network namespace: --once's collector refuses it, one diagnostic line.
        string notANamespace = Path.Combine(_dir.FullName, "not-a-namespace");
        File.WriteAllText(notANamespace, "x");

        AgentProcess.Result json = DaemonProcess.Run(["--once", "-t", "--netns", notANamespace, "--log-format", "json"]);
        AgentProcess.Result text = DaemonProcess.Run(["--once", "-t", "--netns", notANamespace]);

        Assert.Equal(2, json.ExitCode);
        Assert.Equal(string.Empty, json.StandardOutput);
        using JsonDocument document = JsonDocument.Parse(Assert.Single(json.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("error", document.RootElement.GetProperty("log").GetProperty("level").GetString());
        Assert.Equal("SocketAgent", document.RootElement.GetProperty("log").GetProperty("logger").GetString());
        Assert.Contains(notANamespace, document.RootElement.GetProperty("message").GetString());
        Assert.Equal(2, text.ExitCode);
        Assert.StartsWith("socket-agent: --netns: ", Assert.Single(text.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Once_with_json_keeps_stdout_for_data_and_stderr_for_documents()
    {
        AgentProcess.Result result = DaemonProcess.Run(["--once", "-t", "--source", "netlink", "--log-format", "json"]);

        Assert.Equal(0, result.ExitCode);
        AssertDataOnly(result.Lines);
        // Whatever it had to say (sockets it could not attribute, in a sandbox), it said as documents.
        foreach (string line in result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            Assert.Equal("socket-agent", document.RootElement.GetProperty("service").GetProperty("name").GetString());
        }
    }

    [Theory]
    [InlineData("--log-format", "xml", null, null, "'log.format' = 'xml' on the command line")]
    [InlineData(null, null, "SOCKETAGENT_LOG__FORMAT", "JSON", "'log.format' = 'JSON' from the environment variable SOCKETAGENT_LOG__FORMAT")]
    [InlineData(null, null, null, "ecs", "'log.format' = 'ecs' in ")]
    public void A_bad_format_is_refused_in_one_plain_line_with_exit_code_2(string? flag, string? flagValue, string? variable, string? value, string named)
    {
        var args = new List<string> { "--state-dir", Path.Combine(_dir.FullName, "state") };
        var environment = new Dictionary<string, string>();
        if (flag is not null)
        {
            args.AddRange([flag, flagValue!]);
        }
        else if (variable is not null)
        {
            environment[variable] = value!;
        }
        else
        {
            string config = Path.Combine(_dir.FullName, "bad.yaml");
            File.WriteAllText(config, $"log:\n  format: {value}\n");
            args.AddRange(["--config", config]);
        }

        AgentProcess.Result result = DaemonProcess.Run([.. args], environment);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        string line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"socket-agent: invalid setting {named}", line);
        Assert.EndsWith(": expected text or json", line);
    }

    [Fact]
    public void A_command_line_the_parser_refuses_is_told_in_plain_text_even_with_json_asked_for()
    {
        AgentProcess.Result result = DaemonProcess.Run(["--log-format", "json", "--bogus"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("socket-agent: ", Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Print_config_shows_the_format_from_each_source()
    {
        string config = Path.Combine(_dir.FullName, "json.yaml");
        File.WriteAllText(config, "log:\n  format: json\n");

        Assert.Equal("text", DaemonProcess.PrintConfig([]).GetProperty("log").GetProperty("format").GetString());
        Assert.Equal("json", DaemonProcess.PrintConfig(["--config", config]).GetProperty("log").GetProperty("format").GetString());
        Assert.Equal("json", DaemonProcess.PrintConfig([], new() { ["SOCKETAGENT_LOG__FORMAT"] = "json" }).GetProperty("log").GetProperty("format").GetString());
        // The command line over the file.
        Assert.Equal("text", DaemonProcess.PrintConfig(["--config", config, "--log-format", "text"]).GetProperty("log").GetProperty("format").GetString());
    }

    private sealed record Run(int ProcessId, int ExitCode, string Stderr, IReadOnlyList<string> Stdout);

    /// <summary>
    /// The daemon on <paramref name="start"/>; SIGHUP after <paramref name="kept"/> (restart-only changes: a warning),
    /// then after a refused file (an error); SIGTERM.
    /// </summary>
    private Run RunWarningAndError(string[] args, string start, string kept, Dictionary<string, string>? environment = null)
    {
        string config = Path.Combine(_dir.FullName, "agent.yaml");
        File.WriteAllText(config, start);
        using DaemonProcess agent = DaemonProcess.Start(["--config", config, "--state-dir", Path.Combine(_dir.FullName, "state"), "-t", .. args], environment);
        agent.WaitForLine(IsHeartbeat, s_wait);

        File.WriteAllText(config, kept);
        agent.Signal("HUP");
        WaitTwoHeartbeats(agent);
        File.WriteAllText(config, Refused);
        agent.Signal("HUP");
        WaitTwoHeartbeats(agent);

        int exitCode = agent.Terminate(s_wait);
        Assert.True(agent.EndedWithNewline);
        return new Run(agent.Id, exitCode, agent.StandardError, agent.AllLines);
    }

    private static bool IsHeartbeat(string line) => line.Contains("\"heartbeat\"", StringComparison.Ordinal);

    private static void WaitTwoHeartbeats(DaemonProcess agent)
    {
        agent.WaitForLine(IsHeartbeat, s_wait);
        agent.WaitForLine(IsHeartbeat, s_wait);
    }

    /// <summary>Every stderr line one ECS document with every field <c>--log-format json</c> promises; stdout data only.</summary>
    private static JsonElement[] AssertEcsLines(Run run)
    {
        Assert.Equal(0, run.ExitCode);
        Assert.EndsWith("\n", run.Stderr);
        string[] lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var documents = new List<JsonElement>(lines.Length);
        foreach (string line in lines)
        {
            JsonElement root;
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                root = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                Assert.Fail($"a stderr line is not JSON ({ex.Message}): {line}");
                throw;
            }
            Assert.Matches(Timestamp(), root.GetProperty("@timestamp").GetString());
            JsonElement log = root.GetProperty("log");
            Assert.Contains(log.GetProperty("level").GetString(), s_levels);
            Assert.StartsWith("SocketAgent", log.GetProperty("logger").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("message").GetString()), line);
            Assert.Equal("8.11.0", root.GetProperty("ecs").GetProperty("version").GetString());
            Assert.Equal("socket-agent", root.GetProperty("service").GetProperty("name").GetString());
            Assert.Equal(run.ProcessId, root.GetProperty("process").GetProperty("pid").GetInt32());
            documents.Add(root);
        }
        AssertDataOnly(run.Stdout);
        return [.. documents];
    }

    /// <summary>The reload's warning (naming <paramref name="kept"/>) and its refusal, as documents of the daemon's loop.</summary>
    private static void AssertWarningAndError(JsonElement[] logs, string kept)
    {
        JsonElement warning = Assert.Single(logs, static d => d.GetProperty("message").GetString()!.Contains("change only at a restart", StringComparison.Ordinal));
        Assert.Equal("warn", warning.GetProperty("log").GetProperty("level").GetString());
        Assert.Equal("SocketAgent.Cli.Hosting.AgentLoop", warning.GetProperty("log").GetProperty("logger").GetString());
        Assert.EndsWith($"keep their running value: {kept}", warning.GetProperty("message").GetString());
        // A [LoggerMessage]: its event id is there, the number as event.code and the method's name as event.action.
        Assert.Matches("^[0-9]+$", warning.GetProperty("event").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(warning.GetProperty("event").GetProperty("action").GetString()));

        JsonElement error = Assert.Single(logs, static d => d.GetProperty("message").GetString()!.Contains("SIGHUP: the configuration was refused", StringComparison.Ordinal));
        Assert.Equal("error", error.GetProperty("log").GetProperty("level").GetString());
        Assert.Contains("invalid setting 'interval' = '5x'", error.GetProperty("message").GetString());
    }

    /// <summary>stdout: the agent's data lines, every one valid against its JSON Schema — no log line among them.</summary>
    private static void AssertDataOnly(IReadOnlyList<string> stdout)
    {
        Assert.NotEmpty(stdout);
        foreach (string line in stdout)
        {
            SchemaValidator.AssertValid(line);
        }
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex Timestamp();

    /// <summary>The simple console formatter's single line, or a line the agent writes itself.</summary>
    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn|fail|crit): SocketAgent[\w.]*\[-?\d+\] |socket-agent: )")]
    private static partial Regex TextLine();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn: SocketAgent\.Cli\.Hosting\.AgentLoop\[-?\d+\] SIGHUP: these settings change only at a restart and keep their running value: fields$")]
    private static partial Regex WarningTextLine();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z fail: SocketAgent\.Cli\.Hosting\.AgentLoop\[-?\d+\] SIGHUP: the configuration was refused, the running one is kept: invalid setting 'interval' = '5x' in ")]
    private static partial Regex ErrorTextLine();
}
