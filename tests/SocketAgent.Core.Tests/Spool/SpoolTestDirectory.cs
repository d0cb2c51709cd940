using System.Text;
using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

/// <summary>A temporary spool directory, deleted with the test class.</summary>
public abstract class SpoolTestDirectory : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("socket-agent-spool-").FullName;

    protected string SpoolDir => Path.Combine(_root, "spool", "kafka");

    protected List<string> Warnings { get; } = [];

    protected DurableSpool Open(SpoolOptions? options = null, TimeProvider? time = null) =>
        DurableSpool.Open(SpoolDir, options, Warnings.Add, time);

    protected string[] SegmentFiles() =>
        Directory.GetFiles(SpoolDir, "*.seg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    internal static DeliveryRecord Record(long sequence, int jsonBytes = 100, string? communityId = null)
    {
        string prefix = $"{{\"seq\":{sequence},\"pad\":\"";
        var json = new StringBuilder(prefix).Append('x', Math.Max(0, jsonBytes - prefix.Length - 2)).Append("\"}").ToString();
        return new DeliveryRecord(sequence, "socket", communityId, Encoding.UTF8.GetBytes(json));
    }

    internal static void AssertSame(DeliveryRecord expected, DeliveryRecord actual)
    {
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.Dataset, actual.Dataset);
        Assert.Equal(expected.CommunityId, actual.CommunityId);
        Assert.Equal(expected.Json.ToArray(), actual.Json.ToArray());
    }

    internal static long[] Sequences(IEnumerable<DeliveryRecord> records) => records.Select(r => r.Sequence).ToArray();

    internal static long[] Range(long first, long last) => Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i).ToArray();

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
