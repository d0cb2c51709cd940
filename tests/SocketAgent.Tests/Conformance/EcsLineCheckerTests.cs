using SocketAgent.Tests.Deployment;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// The checker behind <see cref="EcsConformanceTests"/> on hand-made lines: it passes a conforming line and names
/// each kind of violation, so the conformance test cannot pass because the checker sees nothing.
/// </summary>
public sealed class EcsLineCheckerTests
{
    private const string Good =
        """{"@timestamp":"2026-01-02T03:04:05.123456700Z","event":{"dataset":"socket","action":"opened","kind":"event","category":["network"],"type":["connection","start"]},"host":{"name":"h"},"network":{"transport":"tcp","direction":"ingress"},"source":{"ip":"10.0.0.1","port":1},"socket":{"state":"ESTABLISHED","inode":5},"process":{"pid":1,"args":["a","b"],"command_line":"a b"}}""";

    private static EcsLineChecker Checker() =>
        new(EcsDefinitions.Instance, new TemplateMappings(RepositoryFiles.Read("deploy/elasticsearch/component_template/socket_agent@mappings.json")));

    [Fact]
    public void A_conforming_line_has_no_violation()
    {
        EcsLineChecker checker = Checker();
        checker.Check(Good);
        Assert.True(checker.Errors.Count == 0, checker.Errors.Report("violations"));
        Assert.True(checker.Warnings.Count == 0, checker.Warnings.Report("warnings"));
    }

    [Theory]
    [InlineData("\"direction\":\"ingress\"", "\"direction\":\"listening\"", "network.direction: not an ECS expected value")]
    [InlineData("\"kind\":\"event\"", "\"kind\":\"happening\"", "event.kind: not an ECS allowed value")]
    [InlineData("\"type\":[\"connection\",\"start\"]", "\"type\":[\"creation\"]", "'creation' is not an expected event type")]
    [InlineData("\"inode\":5", "\"inode\":18446744073709551615", "socket.inode: integer outside the signed 64-bit range")]
    [InlineData("\"inode\":5", "\"inode\":5,\"bogus\":1", "socket.bogus: not mapped by the index template")]
    [InlineData("\"transport\":\"tcp\"", "\"transport\":\"tcp\",\"netns\":{\"inode\":1}", "network.netns.inode: not an ECS field, but under the ECS field set 'network'")]
    [InlineData("\"ip\":\"10.0.0.1\"", "\"ip\":\"10.0.0.1%eth0\"", "source.ip: does not fit ECS type ip")]
    [InlineData("\"pid\":1", "\"pid\":\"1\"", "process.pid: does not fit ECS type long")]
    [InlineData("\"@timestamp\":\"2026-01-02T03:04:05.123456700Z\"", "\"@timestamp\":\"yesterday\"", "@timestamp: does not fit ECS type date")]
    [InlineData("\"pid\":1", "\"pid\":1,\"thread\":{\"id\":[1,2]}", "process.thread.id: an array, but ECS does not normalize")]
    public void Each_kind_of_violation_is_named(string from, string to, string expected)
    {
        Assert.Contains(from, Good, StringComparison.Ordinal);
        EcsLineChecker checker = Checker();
        checker.Check(Good.Replace(from, to, StringComparison.Ordinal));
        string report = checker.Errors.Report("violations") + checker.Warnings.Report("warnings");
        Assert.True(report.Contains(expected, StringComparison.Ordinal), report);
    }
}
