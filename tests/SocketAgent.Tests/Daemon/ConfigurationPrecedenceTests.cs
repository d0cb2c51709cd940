using System.Text.Json;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>The real CLI: command line over environment over file, and every refusal is one line with exit code 2.</summary>
public sealed class ConfigurationPrecedenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("socket-agent-config-").FullName;

    [Fact]
    public void The_command_line_overrides_the_environment_which_overrides_the_file()
    {
        string file = Write("agent.yaml", "interval: 5s\nheartbeat: 7s\nstats_interval: 2m\nsource: procfs\n");
        var environment = new Dictionary<string, string> { ["SOCKETAGENT_INTERVAL"] = "2s", ["SOCKETAGENT_HEARTBEAT"] = "9s" };

        JsonElement all = DaemonProcess.PrintConfig(["--config", file, "--interval", "300ms"], environment);
        JsonElement noCli = DaemonProcess.PrintConfig(["--config", file], environment);
        JsonElement fileOnly = DaemonProcess.PrintConfig(["--config", file], null);

        Assert.Equal("300ms", all.GetProperty("interval").GetString());
        Assert.Equal("9s", all.GetProperty("heartbeat").GetString());
        Assert.Equal("2m", all.GetProperty("stats_interval").GetString());
        Assert.Equal("procfs", all.GetProperty("source").GetString());
        Assert.Equal("2s", noCli.GetProperty("interval").GetString());
        Assert.Equal("5s", fileOnly.GetProperty("interval").GetString());
        Assert.Equal("7s", fileOnly.GetProperty("heartbeat").GetString());
    }

    [Fact]
    public void Nested_settings_and_lists_come_from_the_environment_with_double_underscores()
    {
        string file = Write("agent.json", """{ "filters": { "exclude": { "local_ports": [22, "8000-8999"] }, "drop_loopback": false } }""");
        var environment = new Dictionary<string, string> { ["SOCKETAGENT_FILTERS__DROP_LOOPBACK"] = "true", ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "tcp,udp" };

        JsonElement config = DaemonProcess.PrintConfig(["--config", file], environment);

        Assert.True(config.GetProperty("filters").GetProperty("drop_loopback").GetBoolean());
        Assert.Equal(["22", "8000-8999"], config.GetProperty("filters").GetProperty("exclude").GetProperty("local_ports").EnumerateArray().Select(static e => e.GetString()!));
        Assert.Equal(["tcp", "udp"], config.GetProperty("collect").GetProperty("transports").EnumerateArray().Select(static e => e.GetString()!));
    }

    [Fact]
    public void Print_config_names_credential_properties_without_their_values()
    {
        var environment = new Dictionary<string, string>
        {
            ["SOCKETAGENT_KAFKA__PROPERTIES__0"] = "security.protocol=SASL_SSL",
            ["SOCKETAGENT_KAFKA__PROPERTIES__1"] = "sasl.password=hunter2,x",
            ["SOCKETAGENT_KAFKA__PROPERTIES__2"] = "ssl.key.password=hunter3",
            ["SOCKETAGENT_KAFKA__PROPERTIES__3"] = "sasl.oauthbearer.client.secret=hunter4",
        };

        JsonElement config = DaemonProcess.PrintConfig([], environment);

        string[] properties = [.. config.GetProperty("kafka").GetProperty("properties").EnumerateArray().Select(static e => e.GetString()!)];
        Assert.Contains("security.protocol=SASL_SSL", properties);
        Assert.Contains("sasl.password=<redacted>", properties);
        Assert.Contains("ssl.key.password=<redacted>", properties);
        Assert.Contains("sasl.oauthbearer.client.secret=<redacted>", properties);
        Assert.DoesNotContain("hunter", config.GetRawText());
    }

    [Fact]
    public void Selector_flags_on_the_command_line_replace_the_collect_section()
    {
        JsonElement config = DaemonProcess.PrintConfig(["-t", "-r"], null);

        JsonElement collect = config.GetProperty("collect");
        Assert.Equal(["tcp"], collect.GetProperty("transports").EnumerateArray().Select(static e => e.GetString()!));
        Assert.True(collect.GetProperty("routes").GetBoolean());
        Assert.False(collect.GetProperty("interfaces").GetBoolean());
        Assert.False(collect.GetProperty("statistics").GetBoolean());
    }

    [Theory]
    [InlineData("file", "interval")]
    [InlineData("environment", "interval")]
    [InlineData("command line", "interval")]
    [InlineData("file", "filters.include.local_ports")]
    [InlineData("environment", "source")]
    public void An_invalid_setting_is_refused_with_one_line_naming_it_and_exit_code_2(string where, string setting)
    {
        string key = setting.Split('.')[^1];
        string bad = key == "local_ports" ? "70000" : "fast";
        string[] args = [];
        Dictionary<string, string>? environment = null;
        switch (where)
        {
            case "file":
                string yaml = setting == "interval" ? "interval: fast\n" : "filters:\n  include:\n    local_ports: [22, 70000]\n";
                args = ["--config", Write("bad.yaml", yaml), "--print-config"];
                break;
            case "environment":
                environment = new() { ["SOCKETAGENT_" + setting.ToUpperInvariant().Replace(".", "__", StringComparison.Ordinal)] = bad };
                args = ["--print-config"];
                break;
            default:
                args = ["--" + setting.Replace('_', '-'), bad, "--print-config"];
                break;
        }

        AgentProcess.Result result = DaemonProcess.Run(args, environment);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        string error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"socket-agent: invalid setting '{setting}' = '{bad}'", error);
        Assert.Contains("expected ", error);
    }

    [Fact]
    public void The_daemon_refuses_an_invalid_interval_before_starting()
    {
        AgentProcess.Result result = DaemonProcess.Run(["--interval", "fast", "--state-dir", Path.Combine(_directory, "state")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("socket-agent: invalid setting 'interval' = 'fast' on the command line: expected a duration such as 500ms, 5s or 1m (more than 0, at most 24h)\n", result.StandardError);
        Assert.False(Directory.Exists(Path.Combine(_directory, "state")));
    }

    [Theory]
    [InlineData("agent.yaml", "intervall: 5s\n", "intervall")]
    [InlineData("agent.yaml", "filters:\n  include:\n    prots: [22]\n", "filters.include.prots")]
    [InlineData("agent.json", """{ "collect": { "sockets": true } }""", "collect.sockets")]
    public void An_unknown_key_in_the_file_is_refused_naming_it(string name, string content, string key)
    {
        string file = Write(name, content);

        AgentProcess.Result result = DaemonProcess.Run(["--config", file, "--print-config"]);

        Assert.Equal(2, result.ExitCode);
        string error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"socket-agent: unknown setting '{key}' in {file}", error);
    }

    [Fact]
    public void An_unknown_SOCKETAGENT_variable_is_refused_naming_it()
    {
        AgentProcess.Result result = DaemonProcess.Run(["--print-config"], new Dictionary<string, string> { ["SOCKETAGENT_INTERVALL"] = "5s" });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("SOCKETAGENT_INTERVALL", result.StandardError);
    }

    [Theory]
    [InlineData("agent.toml", "interval = 5")]
    [InlineData("agent.yaml", "interval: [5s\n")]
    [InlineData("agent.json", "{ \"interval\": ")]
    public void A_file_that_cannot_be_read_is_refused_naming_it(string name, string content)
    {
        string file = Write(name, content);

        AgentProcess.Result result = DaemonProcess.Run(["--config", file, "--print-config"]);

        Assert.Equal(2, result.ExitCode);
        string error = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(file, error);
    }

    [Fact]
    public void Once_honours_the_config_file()
    {
        string file = Write("agent.yaml", "collect:\n  transports: [unix]\n  interfaces: false\n  routes: false\n  statistics: false\n");

        AgentProcess.Result result = DaemonProcess.Run(["--once", "--config", file]);

        Assert.Equal(0, result.ExitCode);
        Assert.NotEmpty(result.Lines);
        Assert.All(result.Lines, static line => Assert.Contains("\"transport\":\"unix\"", line));
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
