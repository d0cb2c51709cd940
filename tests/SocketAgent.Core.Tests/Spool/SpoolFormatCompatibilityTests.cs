using System.Text;
using SocketAgent.Delivery;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

/// <summary>
/// Fixtures/spool-v0.1.0 is a spool directory written by the agent before its CRC-32C moved from hand-written code
/// to System.IO.Hashing (two segments, a watermark at 3). An upgrade keeps the state directory as it is, so the
/// records spooled but not yet delivered before the upgrade must open without a single recovery issue and read back
/// byte for byte: a checksum computed differently would cut every segment as corrupt.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SpoolFormatCompatibilityTests : SpoolTestDirectory
{
    private const long FixtureWatermark = 3;

    /// <summary>The records in the fixture: datasets, with and without a Community ID, non-ASCII, an empty JSON.</summary>
    internal static DeliveryRecord[] FixtureRecords() =>
    [
        .. Enumerable.Range(1, 14).Select(i => new DeliveryRecord(
            i,
            (i % 3) switch { 0 => "route", 1 => "socket", _ => "interface" },
            i % 2 == 0 ? "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" : null,
            Encoding.UTF8.GetBytes($"{{\"event\":{{\"sequence\":{i}}},\"process\":{{\"name\":\"näme-{i}\"}},\"pad\":\"{new string('x', i * 5)}\"}}"))),
        new DeliveryRecord(15, "sösket", "ü", ReadOnlyMemory<byte>.Empty),
    ];

    [Fact]
    public void A_spool_written_by_the_hand_written_crc_opens_cleanly_and_reads_back_every_unacknowledged_record()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "spool-v0.1.0");
        string[] segments = Directory.GetFiles(fixture, "*.seg");
        // The fixture must really span segments, or the test would not cover a segment boundary.
        Assert.True(segments.Length >= 2, $"expected at least two segments in {fixture}");
        Directory.CreateDirectory(SpoolDir);
        foreach (string file in Directory.GetFiles(fixture))
        {
            File.Copy(file, Path.Combine(SpoolDir, Path.GetFileName(file)));
        }

        using DurableSpool spool = Open();

        Assert.Empty(spool.RecoveryIssues);
        Assert.Empty(Warnings);
        Assert.Equal(FixtureWatermark, spool.Watermark);
        DeliveryRecord[] expected = FixtureRecords().Where(r => r.Sequence > FixtureWatermark).ToArray();
        IReadOnlyList<DeliveryRecord> actual = spool.Read(FixtureWatermark, 100, 1 << 20);
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertSame(expected[i], actual[i]);
        }
        Assert.Equal(15, spool.LastSequence);
    }
}
