using System.Collections;
using SocketAgent.Cli.Configuration;
using SocketAgent.Collection.Namespaces;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// config/examples/*.yaml load through the agent's own loader (an unknown key or a bad value would be refused at
/// start) and select the outputs they are named after; the TLS example's secret comes from the environment.
/// </summary>
public sealed class ConfigExamplesTests
{
    private static AgentOptions Example(string name) => AgentConfigurationLoader.LoadFile(RepositoryFiles.PathOf($"config/examples/{name}"));

    [Fact]
    public void Every_example_is_tested()
    {
        string[] names = [.. Directory.GetFiles(RepositoryFiles.PathOf("config/examples")).Select(Path.GetFileName).Order()!];

        Assert.Equal(["file.yaml", "kafka-tls-sasl.yaml", "kafka.yaml", "stdout.yaml"], names);
    }

    [Fact]
    public void Stdout_example()
    {
        AgentOptions options = Example("stdout.yaml");

        Assert.Equal(["stdout"], options.Outputs.Kinds);
        Assert.True(options.Filters.DropLoopback);
        Assert.Equal(NetworkNamespaceSelectionKind.Host, options.Netns.Kind);
    }

    [Fact]
    public void File_example()
    {
        AgentOptions options = Example("file.yaml");

        Assert.Equal(["file"], options.Outputs.Kinds);
        Assert.Equal("/var/log/socket-agent/events.jsonl", options.Outputs.FilePath);
        Assert.True(options.Outputs.FileCompress);
        Assert.Equal(7, options.Outputs.FileKeep);
    }

    [Fact]
    public void Kafka_example()
    {
        AgentOptions options = Example("kafka.yaml");

        Assert.Equal(["kafka"], options.Outputs.Kinds);
        Assert.Equal(3, options.Outputs.KafkaBootstrapServers.Split(',').Length);
        Assert.Equal("socket-agent.events", options.Outputs.KafkaTopic);
        Assert.Equal("socket-agent.flows", options.Outputs.KafkaFlowTopic);
        Assert.Equal(NetworkNamespaceSelectionKind.All, options.Netns.Kind);
        Assert.DoesNotContain("security.protocol", options.Outputs.KafkaProperties.Keys);
    }

    [Fact]
    public void Kafka_tls_sasl_example_has_everything_but_the_password()
    {
        AgentOptions options = Example("kafka-tls-sasl.yaml");

        Assert.Equal(["kafka"], options.Outputs.Kinds);
        IReadOnlyDictionary<string, string> properties = options.Outputs.KafkaProperties;
        Assert.Equal("SASL_SSL", properties["security.protocol"]);
        Assert.Equal("SCRAM-SHA-512", properties["sasl.mechanism"]);
        Assert.Equal("/etc/socket-agent/kafka-ca.pem", properties["ssl.ca.location"]);
        Assert.Equal("socket-agent", properties["sasl.username"]);
        Assert.DoesNotContain("sasl.password", properties.Keys);
        Assert.DoesNotContain("password", File.ReadAllText(RepositoryFiles.PathOf("config/examples/kafka-tls-sasl.yaml"))
            .Split('\n').Where(static l => !l.TrimStart().StartsWith('#')).Aggregate(string.Empty, string.Concat));
    }

    [Fact]
    public void Kafka_tls_sasl_example_takes_the_whole_property_list_with_the_password_from_the_environment()
    {
        // As the file's comment tells operators to do (systemd EnvironmentFile=, a Kubernetes Secret): one variable
        // per item, so a password may contain commas and '='.
        var environment = new Hashtable
        {
            ["SOCKETAGENT_KAFKA__PROPERTIES__0"] = "security.protocol=SASL_SSL",
            ["SOCKETAGENT_KAFKA__PROPERTIES__1"] = "sasl.mechanism=SCRAM-SHA-512",
            ["SOCKETAGENT_KAFKA__PROPERTIES__2"] = "ssl.ca.location=/etc/socket-agent/kafka-ca.pem",
            ["SOCKETAGENT_KAFKA__PROPERTIES__3"] = "sasl.username=socket-agent",
            ["SOCKETAGENT_KAFKA__PROPERTIES__4"] = "sasl.password=p,a=ss",
        };

        AgentOptions options = AgentConfigurationLoader.Load(
            RepositoryFiles.PathOf("config/examples/kafka-tls-sasl.yaml"), environment, new Dictionary<string, string?>());

        IReadOnlyDictionary<string, string> properties = options.Outputs.KafkaProperties;
        Assert.Equal("p,a=ss", properties["sasl.password"]);
        Assert.Equal("SCRAM-SHA-512", properties["sasl.mechanism"]);
        // The environment's list replaces the file's whole: the file's endpoint-identification item is gone.
        Assert.Equal(5, properties.Count);
        // The rest still comes from the file.
        Assert.Equal("socket-agent.flows", options.Outputs.KafkaFlowTopic);
    }
}
