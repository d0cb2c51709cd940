using System.Collections;
using SocketAgent.Cli.Configuration;
using SocketAgent.Model;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The pieces under AgentConfigurationLoader: the settings table agrees with the bound text's keys, the YAML provider
/// flattens a file as the JSON one does (<c>[]</c> an empty value, null a null), and a file's empty string for a
/// scalar is validated rather than ignored (the JSON provider reads <c>[]</c> as that same empty string).
/// </summary>
public sealed class ConfigurationSourcesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("socket-agent-sources-").FullName;

    [Fact]
    public void Every_setting_of_the_table_is_bound_from_its_own_key()
    {
        // A key spelled differently in AgentSettingsText ([ConfigurationKeyName]) than in the table would bind nothing.
        foreach (AgentSetting setting in AgentSettings.All)
        {
            if (setting.IsList)
            {
                AgentSettingsText text = AgentConfigurationLoader.BindText([new(setting.Key + ":0", "a"), new(setting.Key + ":1", "b")]);
                Assert.True(setting.ReadList(text) is ["a", "b"], setting.Name);
            }
            else
            {
                AgentSettingsText text = AgentConfigurationLoader.BindText([new(setting.Key, "x")]);
                Assert.True(setting.ReadScalar(text) == "x", setting.Name);
            }
        }
    }

    [Fact]
    public void Sections_are_the_parents_of_the_settings()
    {
        Assert.Equal(
            ["collect", "containers", "containers:kubernetes", "ebpf", "file", "filters", "filters:exclude", "filters:include", "http", "kafka", "log", "otlp", "redaction", "spool"],
            AgentSettings.Sections.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("a.yaml", "interval: ''\n")]
    [InlineData("a.json", """{ "interval": "" }""")]
    [InlineData("b.yaml", "state_dir: \"\"\n")]
    public void An_empty_string_for_a_scalar_in_the_file_is_validated(string name, string content)
    {
        var ex = Assert.Throws<AgentConfigurationException>(() => Load(Write(name, content), [], []));

        Assert.Matches("^invalid setting '(interval|state_dir)' = '\\[\\]' in ", ex.Message);
    }

    [Theory]
    [InlineData("a.yaml", "interval:\nheartbeat: ~\nstats_interval: null\ncollect: {}\n")]
    [InlineData("a.json", """{ "interval": null, "collect": {} }""")]
    public void A_null_scalar_or_an_empty_section_in_the_file_is_not_set(string name, string content)
    {
        AgentOptions options = Load(Write(name, content), [], []);

        Assert.Equal(TimeSpan.FromSeconds(1), options.Interval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Heartbeat);
        Assert.Equal(TransportSet.All, options.Collect.Transports);
    }

    [Fact]
    public void An_empty_string_accepted_by_its_setting_sets_it()
    {
        AgentOptions options = Load(Write("a.yaml", "host_name: ''\nkafka:\n  flow_topic: \"\"\n"), [], new() { ["host_name"] = "web-01" });
        AgentOptions fileOnly = Load(Write("b.yaml", "host_name: ''\nkafka:\n  flow_topic: \"\"\n"), [], []);

        Assert.Equal("web-01", options.HostName);
        Assert.Null(fileOnly.HostName);
        Assert.Equal(string.Empty, fileOnly.Outputs.KafkaFlowTopic);
    }

    [Fact]
    public void An_empty_variable_for_a_scalar_is_not_set()
    {
        AgentOptions options = Load(Write("a.yaml", "host_name: web-01\n"), new() { ["SOCKETAGENT_HOST_NAME"] = "", ["SOCKETAGENT_INTERVAL"] = "" }, []);

        Assert.Equal("web-01", options.HostName);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Interval);
    }

    [Theory]
    [InlineData("a.yaml", "interval: 1s\ninterval: 2s\n")]
    [InlineData("b.yaml", "- interval\n")]
    [InlineData("c.yaml", "just text\n")]
    public void A_yaml_file_that_is_not_one_mapping_of_unique_keys_cannot_be_read(string name, string content)
    {
        string file = Write(name, content);

        var ex = Assert.Throws<AgentConfigurationException>(() => Load(file, [], []));

        Assert.StartsWith($"cannot read the configuration file '{file}': ", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_refused_list_item_from_the_environment_names_the_lists_variable()
    {
        var ex = Assert.Throws<AgentConfigurationException>(() =>
            Load(null, new() { ["SOCKETAGENT_KAFKA__PROPERTIES__0"] = "acks=all", ["SOCKETAGENT_KAFKA__PROPERTIES__1"] = "bad key=1" }, []));

        Assert.StartsWith("invalid setting 'kafka.properties' = 'bad key=1' from the environment variable SOCKETAGENT_KAFKA__PROPERTIES: ", ex.Message);
    }

    [Fact]
    public void Fewer_items_from_a_higher_source_leave_none_of_the_lower_ones()
    {
        string file = Write("a.json", """{ "filters": { "include": { "pids": [1, 2, 3] } } }""");

        AgentOptions options = Load(file, new() { ["SOCKETAGENT_FILTERS__INCLUDE__PIDS__0"] = "7" }, []);

        Assert.Equal([7], options.Filters.Include.Pids);
    }

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
