using System.Collections;
using System.Text.Json;
using SocketAgent.Cli.Configuration;
using SocketAgent.Collection;
using SocketAgent.Model;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// An explicitly empty list (<c>transports: []</c>, <c>"transports": []</c>, <c>SOCKETAGENT_COLLECT__TRANSPORTS=</c>)
/// reaches the setting as an empty list: it clears a non-empty default instead of silently keeping it.
/// </summary>
public sealed class EmptyListSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("socket-agent-empty-").FullName;

    [Theory]
    [InlineData("a.yaml", "collect:\n  transports: []\n")]
    [InlineData("a.yml", "collect: { transports: [ ] }\n")]
    [InlineData("a.json", """{ "collect": { "transports": [] } }""")]
    [InlineData("b.yaml", "collect:\n  transports:\n")]
    [InlineData("b.json", """{ "collect": { "transports": null } }""")]
    public void An_empty_list_in_the_file_clears_a_non_empty_default(string name, string content)
    {
        AgentOptions options = Load(Write(name, content), [], []);

        Assert.Equal(TransportSet.None, options.Collect.Transports);
        Assert.Equal(CollectedParts.Interfaces | CollectedParts.Routes | CollectedParts.Statistics, options.Collect.Parts);
    }

    [Fact]
    public void An_empty_environment_variable_clears_a_non_empty_default()
    {
        AgentOptions options = Load(null, new() { ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "" }, []);

        Assert.Equal(TransportSet.None, options.Collect.Transports);
    }

    [Theory]
    [InlineData("a.yaml", "redaction:\n  flags: []\n  patterns: []\nfilters:\n  include:\n    states: []\n")]
    [InlineData("a.json", """{ "redaction": { "flags": [], "patterns": [] }, "filters": { "include": { "states": [] } } }""")]
    public void An_empty_list_in_the_file_overrides_nothing_above_it_and_is_overridden_by_the_environment(string name, string content)
    {
        string file = Write(name, content);

        AgentOptions fileOnly = Load(file, [], []);
        AgentOptions withEnvironment = Load(file, new() { ["SOCKETAGENT_REDACTION__FLAGS"] = "--token", ["SOCKETAGENT_FILTERS__INCLUDE__STATES"] = "listen" }, []);

        Assert.Empty(fileOnly.Redaction.Flags);
        Assert.Empty(fileOnly.Redaction.Patterns);
        Assert.Empty(fileOnly.Filters.Include.States);
        Assert.Equal(["--token"], withEnvironment.Redaction.Flags);
        Assert.Equal(["LISTEN"], withEnvironment.Filters.Include.States);
    }

    [Theory]
    [InlineData("a.yaml", "collect:\n  transports: [tcp, udp]\nredaction:\n  flags: [--api-key]\n")]
    [InlineData("a.json", """{ "collect": { "transports": ["tcp", "udp"] }, "redaction": { "flags": ["--api-key"] } }""")]
    public void An_empty_environment_variable_overrides_a_list_in_the_file(string name, string content)
    {
        string file = Write(name, content);

        AgentOptions options = Load(file, new() { ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "", ["SOCKETAGENT_REDACTION__FLAGS"] = "" }, []);

        Assert.Equal(TransportSet.None, options.Collect.Transports);
        Assert.Empty(options.Redaction.Flags);
    }

    [Theory]
    [InlineData("a.yaml", "outputs: []\n", "in ")]
    [InlineData("a.json", """{ "outputs": [] }""", "in ")]
    [InlineData(null, null, "from the environment variable SOCKETAGENT_OUTPUTS")]
    public void Empty_outputs_are_refused_not_replaced_by_stdout(string? name, string? content, string where)
    {
        string? file = name is null ? null : Write(name, content!);
        Dictionary<string, string> environment = file is null ? new() { ["SOCKETAGENT_OUTPUTS"] = "" } : [];

        var ex = Assert.Throws<AgentConfigurationException>(() => Load(file, environment, []));

        Assert.StartsWith($"invalid setting 'outputs' = '[]' {where}", ex.Message);
        Assert.EndsWith("expected at least one of stdout, file, kafka", ex.Message);
    }

    [Theory]
    [InlineData("a.yaml", "interval: []\n")]
    [InlineData("a.json", """{ "interval": [] }""")]
    public void An_empty_list_for_a_scalar_setting_is_refused(string name, string content)
    {
        var ex = Assert.Throws<AgentConfigurationException>(() => Load(Write(name, content), [], []));

        Assert.StartsWith("invalid setting 'interval' = '[]' in ", ex.Message);
    }

    [Theory]
    [InlineData("a.yaml", "collect:\n  sockets: []\n", "collect.sockets")]
    [InlineData("a.yaml", "filters:\n  include:\n    prots: []\n", "filters.include.prots")]
    [InlineData("a.json", """{ "collect": { "sockets": [] } }""", "collect.sockets")]
    [InlineData("a.json", """{ "redactions": [] }""", "redactions")]
    public void An_unknown_key_with_an_empty_list_is_still_refused(string name, string content, string key)
    {
        string file = Write(name, content);

        var ex = Assert.Throws<AgentConfigurationException>(() => Load(file, [], []));

        Assert.StartsWith($"unknown setting '{key}' in {file}", ex.Message);
    }

    [Theory]
    [InlineData("agent.yaml", "collect:\n  transports: []\nredaction:\n  flags: []\noutputs: [file]\n")]
    [InlineData("agent.json", """{ "collect": { "transports": [] }, "redaction": { "flags": [] }, "outputs": ["file"] }""")]
    public void Print_config_shows_an_empty_list_from_the_file(string name, string content)
    {
        JsonElement config = DaemonProcess.PrintConfig(["--config", Write(name, content)], null);

        Assert.Equal(0, config.GetProperty("collect").GetProperty("transports").GetArrayLength());
        Assert.Equal(0, config.GetProperty("redaction").GetProperty("flags").GetArrayLength());
        Assert.Equal(["file"], config.GetProperty("outputs").EnumerateArray().Select(static e => e.GetString()!));
    }

    [Fact]
    public void Print_config_keeps_precedence_between_empty_and_non_empty_lists()
    {
        string empty = Write("empty.yaml", "collect:\n  transports: []\n");
        string full = Write("full.yaml", "collect:\n  transports: [tcp]\n");

        JsonElement environmentOverEmptyFile = DaemonProcess.PrintConfig(["--config", empty], new() { ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "udp,unix" });
        JsonElement emptyEnvironmentOverFile = DaemonProcess.PrintConfig(["--config", full], new() { ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "" });
        JsonElement commandLineOverEmptyEnvironment = DaemonProcess.PrintConfig(["--config", full, "-x"], new() { ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "" });

        Assert.Equal(["udp", "unix"], Transports(environmentOverEmptyFile));
        Assert.Empty(Transports(emptyEnvironmentOverFile));
        Assert.Equal(["unix"], Transports(commandLineOverEmptyEnvironment));
    }

    [Fact]
    public void Every_list_setting_says_what_an_empty_list_means()
    {
        foreach (AgentSetting setting in AgentSettings.All.Where(static s => s.IsList))
        {
            Assert.True(setting.Expected.Contains("(empty: ", StringComparison.Ordinal) || setting.Expected.Contains("; empty: ", StringComparison.Ordinal)
                || setting.Expected.StartsWith("at least one", StringComparison.Ordinal), $"{setting.Name}: {setting.Expected}");
        }
    }

    [Fact]
    public void Print_config_refuses_empty_outputs_with_one_line_and_exit_code_2()
    {
        string file = Write("agent.yaml", "outputs: []\n");

        AgentProcess.Result result = DaemonProcess.Run(["--config", file, "--print-config"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Equal($"socket-agent: invalid setting 'outputs' = '[]' in {file}: expected at least one of stdout, file, kafka\n", result.StandardError);
    }

    private static string[] Transports(JsonElement config) =>
        [.. config.GetProperty("collect").GetProperty("transports").EnumerateArray().Select(static e => e.GetString()!)];

    private static AgentOptions Load(string? file, Dictionary<string, string> environment, Dictionary<string, string?> commandLine) =>
        AgentConfigurationLoader.Load(file, new Hashtable(environment), commandLine);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
