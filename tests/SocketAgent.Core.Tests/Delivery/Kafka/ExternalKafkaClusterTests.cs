using Confluent.Kafka;
using Confluent.Kafka.Admin;
using DotNet.Testcontainers.Builders;
using Testcontainers.Kafka;
using static SocketAgent.Tests.Delivery.Kafka.KafkaTestKit;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>The mock cluster's delivery test, run against real brokers: a Testcontainers KRaft broker, or the cluster named by <c>KAFKA_BOOTSTRAP_SERVERS</c>.</summary>
// One Kafka test class at a time: each runs librdkafka clusters and producers that load both cores.
[Collection(KafkaTestKit.Collection)]
public sealed class ExternalKafkaClusterTests
{
    private const string KafkaImage = "apache/kafka:4.1.0";

    [Fact]
    public async Task ExternalCluster_DeliversEverySequenceInOrder()
    {
        string? bootstrapServers = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        if (string.IsNullOrWhiteSpace(bootstrapServers))
        {
            Assert.Skip("KAFKA_BOOTSTRAP_SERVERS is not set: no external Kafka cluster to test against.");
        }

        await DeliversEverySequenceInOrderAsync(bootstrapServers);
    }

    [Fact]
    public async Task TestcontainersBroker_DeliversEverySequenceInOrder()
    {
        KafkaContainer container;
        try
        {
            container = new KafkaBuilder(KafkaImage).Build();
        }
        catch (DockerUnavailableException e)
        {
            Assert.Skip($"Docker is not available, so no {KafkaImage} container: {e.Message}");
            return;
        }

        await using (container)
        {
            await container.StartAsync(TestContext.Current.CancellationToken);
            await DeliversEverySequenceInOrderAsync(container.GetBootstrapAddress());
        }
    }

    private static async Task DeliversEverySequenceInOrderAsync(string bootstrapServers)
    {
        string topic = UniqueTopic("socket-agent-test");
        using (IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            // Replication factor -1: the cluster's default (KIP-464), whatever the cluster's size.
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 3, ReplicationFactor = -1 }]);
        }

        KafkaOutputTests.DeliversEverySequenceInOrder(bootstrapServers, topic, partitions: 3);
    }
}
