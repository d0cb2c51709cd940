using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using SocketAgent.Tests.Delivery.Kafka;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Correlation;

/// <summary>
/// <c>socket-agent map --kafka-bootstrap-servers</c> reads the connections topic (librdkafka's mock cluster) from its
/// beginning to its end and stops: the same map as from the file, written as correlate's exactly-once output writes
/// (one transaction), and an empty partition does not keep it waiting.
/// </summary>
/// <remarks>
/// That aborted lines are skipped (the reader is read_committed) cannot be shown here: the mock cluster's Fetch
/// answers with no aborted transactions and the high watermark as last stable offset (rdkafka_mock_handlers.c), so a
/// read_committed consumer of the mock reads aborted records too.
/// </remarks>
public sealed class ServiceMapKafkaTests : IDisposable
{
    private readonly MockKafkaCluster _cluster = new(3);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void The_connections_topic_read_to_its_end_gives_the_same_map_as_the_file()
    {
        // 32 partitions for 25 lines: at least 7 stay empty, and their ends must be seen too (no waiting on them).
        _cluster.CreateTopic("socket-agent.connections", partitions: 32);
        string[] lines = File.ReadAllLines(MapCli.Fixture);
        var config = new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, TransactionalId = "map-test-" + Guid.NewGuid().ToString("N") };
        using (IProducer<string, string> producer = new ProducerBuilder<string, string>(config).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            foreach (string line in lines)
            {
                string key = JsonDocument.Parse(line).RootElement.GetProperty("network").GetProperty("community_id").GetString()!;
                producer.Produce("socket-agent.connections", new Message<string, string> { Key = key, Value = line });
            }
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }

        ToolProcess.Result fromKafka = MapCli.Run("--format", "json", "--kafka-bootstrap-servers", _cluster.BootstrapServers);
        ToolProcess.Result fromFile = MapCli.Run("--format", "json", MapCli.Fixture);

        Assert.True(fromKafka.ExitCode == 0, fromKafka.Describe());
        Assert.Equal(fromFile.StandardOutputText, fromKafka.StandardOutputText);
        Assert.Contains("24 connections (1 repeated, counted once)", fromKafka.StandardError);
    }

    [Fact]
    public void A_topic_that_does_not_exist_is_an_error_not_a_wait()
    {
        ToolProcess.Result result = MapCli.Run("--kafka-bootstrap-servers", _cluster.BootstrapServers, "--kafka-topic", "no-such-topic");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.StartsWith("socket-agent: map: cannot read topic no-such-topic", result.StandardError);
    }
}
