using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Tests.Delivery.Kafka;

public sealed class MockKafkaClusterTests
{
    /// <summary>
    /// The failure that once aborted the whole test run, made on purpose: while the broker is down another socket
    /// binds its port (SO_REUSEADDR, as .NET and python servers do) and listens, so the broker cannot listen again and
    /// librdkafka aborts. The abort must end the cluster's own process and surface here as an exception naming it.
    /// </summary>
    [Fact]
    public void A_broker_that_cannot_listen_again_fails_the_command_not_the_test_process()
    {
        using var cluster = new MockKafkaCluster(1);
        int port = int.Parse(cluster.BootstrapServers.Split(',')[0].Split(':')[1], CultureInfo.InvariantCulture);
        cluster.SetAllBrokersDown();
        using var thief = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        thief.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        thief.Bind(new IPEndPoint(IPAddress.Loopback, port));
        thief.Listen();

        var failure = Assert.Throws<InvalidOperationException>(cluster.SetAllBrokersUp);

        Assert.Contains("died", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Address already in use", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_reach_the_cluster_process()
    {
        using var cluster = new MockKafkaCluster(2);
        Assert.Equal(2, cluster.BootstrapServers.Split(',').Length);
        cluster.CreateTopic("mock-host-topic", 2, 2);
        cluster.SetRtt(1, 5);
        cluster.EnableReadCommittedShareGroups();
        cluster.SetAllBrokersDown();
        cluster.SetAllBrokersUp();

        var unknown = Assert.Throws<InvalidOperationException>(() => cluster.CreateTopic("bad topic name with spaces", 1, 1));
        Assert.Contains("unknown command", unknown.Message, StringComparison.Ordinal);
    }
}
